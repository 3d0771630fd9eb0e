// `schedlab report compare OLD NEW`: a Markdown table of NEW/OLD per cell with the U test's
// verdict, optionally as HTML and JSON, and with --fail-on-regression the CI gate's exit code.
#include <iostream>

#include "schedlab/cli/report_commands.hpp"
#include "schedlab/cli/report_inputs.hpp"
#include "schedlab/core/output_file.hpp"
#include "schedlab/reports/compare.hpp"

namespace schedlab::cli {

Subcommand add_report_compare(CLI::App& report) {
  struct Args {
    std::string old_file, new_file, html, json;
    std::vector<std::string> more_old, more_new;
    std::string threshold = "5%";
    double alpha = 0.05;
    bool force = false, fail_on_regression = false, allow_context_change = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* compare = report.add_subcommand(
      "compare", "Markdown table of NEW/OLD per cell, and whether each change is beyond the noise");
  compare->add_option("OLD", args->old_file,
                      "results.json of the earlier run (- for standard input)");
  compare->add_option("NEW", args->new_file, "results.json of the later run");
  compare->add_option("--old", args->more_old,
                      "another run of the old side (repeatable): each cell is then sampled "
                      "once per run, so that the test sees the noise between processes");
  compare->add_option("--new", args->more_new, "another run of the new side (repeatable)");
  compare->add_option("--html", args->html, "also write the comparison as an HTML page here");
  compare->add_option("--json", args->json, "also write the comparison as JSON here (for scripts)");
  compare->add_option("--threshold", args->threshold,
                      "smallest change of a median called faster or slower (default 5%)");
  compare->add_option("--alpha", args->alpha,
                      "largest p-value of the U test over the repetitions for a real change "
                      "(default 0.05)");
  compare->add_flag("--allow-context-change", args->allow_context_change,
                    "let the gate pass runs from another host, CPU, core count, build type or "
                    "schedlab version");
  compare->add_flag("--force", args->force,
                    "compare even where the runs differ in unit, parameters or GIL setting");
  compare->add_flag("--fail-on-regression", args->fail_on_regression,
                    "exit 1 when a cell is slower beyond the noise, failed or is missing in NEW, "
                    "or the runs' contexts differ (for CI)");
  return {compare, [args] {
            const auto old_files = side_files(args->old_file, args->more_old, "earlier");
            const auto new_files = side_files(args->new_file, args->more_new, "later");
            reports::CompareOptions options{parse_threshold(args->threshold),
                                            checked_alpha(args->alpha)};
            options.old_files = old_files.size();
            options.new_files = new_files.size();
            std::vector<std::string> inputs = old_files;
            inputs.insert(inputs.end(), new_files.begin(), new_files.end());
            for (const std::string& out : {args->html, args->json}) {
              if (!out.empty()) check_not_an_input(out, inputs);
            }
            const bool by_runs = old_files.size() > 1 || new_files.size() > 1;
            const reports::SuiteResult old_run = read_side(old_files, by_runs),
                                       new_run = read_side(new_files, by_runs);
            if (!args->force) reports::check_comparable(old_run, new_run);
            const reports::Comparison cmp = reports::compare_runs(old_run, new_run, options);
            std::cout << reports::compare_markdown(old_run, new_run, cmp);
            if (!args->html.empty())
              write_output_file(args->html, reports::compare_html(old_run, new_run, cmp));
            if (!args->json.empty()) {
              const auto json =
                  reports::compare_json(old_run, new_run, cmp, args->allow_context_change);
              write_output_file(args->json, json.dump(2) + "\n");
            }
            const auto failures = cmp.gate_failures(args->allow_context_change);
            if (!args->fail_on_regression || failures.empty()) return 0;
            for (const std::string& f : failures) std::cerr << "schedlab: " << f << "\n";
            return 1;
          }};
}

}  // namespace schedlab::cli
