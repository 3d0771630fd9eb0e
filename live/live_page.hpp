// The live view's page: one self-contained document (live_page.html, its script and style
// inline), compiled in so that the view works in a classroom without a network.
#pragma once

namespace schedlab::live {

extern const char* const kLivePage;

}  // namespace schedlab::live
