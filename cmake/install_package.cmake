# `cmake --install` puts the libraries, the headers (include/schedlab/...), the `schedlab` tool
# and a CMake package under a prefix; a consumer does
#   find_package(schedlab 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE schedlab::schedlab)   # or schedlab::core, ::schedulers...
include(CMakePackageConfigHelpers)

set(SCHEDLAB_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/schedlab)
set(SCHEDLAB_WITH_OPENMP ${OpenMP_CXX_FOUND})
set(SCHEDLAB_WITH_MPI ${MPI_C_FOUND})
if(TARGET schedlab_benchmarks)
  set(SCHEDLAB_WITH_BENCH 1)
else()
  set(SCHEDLAB_WITH_BENCH 0)
endif()
if(TARGET schedlab_plugins)
  set(SCHEDLAB_WITH_TBB 1)
else()
  set(SCHEDLAB_WITH_TBB 0)
endif()
install(EXPORT schedlabTargets NAMESPACE schedlab:: DESTINATION ${SCHEDLAB_CMAKE_DIR})
configure_package_config_file(cmake/schedlabConfig.cmake.in
  ${PROJECT_BINARY_DIR}/schedlabConfig.cmake INSTALL_DESTINATION ${SCHEDLAB_CMAKE_DIR})
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/schedlabConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/schedlabConfig.cmake
              ${PROJECT_BINARY_DIR}/schedlabConfigVersion.cmake
        DESTINATION ${SCHEDLAB_CMAKE_DIR})
