#include "schedlab/reports/html_page.hpp"

#include <fmt/format.h>

#include "schedlab/reports/table.hpp"

namespace schedlab::reports {
namespace {

// Sizes in rem and charts that scale to the page width: large on a projector, whole on a
// laptop. System fonts only (no web fonts: nothing is fetched).
constexpr std::string_view kStyle = R"(
body { font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: #1d1d1f; margin: 0 auto; max-width: 72rem; padding: 0 1.5rem 4rem; }
header { border-bottom: 3px solid #4e79a7; margin-bottom: 1rem; }
h1 { font-size: 2rem; margin: 1.2rem 0 0.3rem; }
h2 { font-size: 1.6rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
h2 small.notebook { font-size: 1rem; font-weight: normal; color: #555; margin-left: 0.6rem; }
h3 { font-size: 1.15rem; margin: 1.4rem 0 0.4rem; }
nav { position: sticky; top: 0; background: #fff; padding: 0.4rem 0; z-index: 1;
      border-bottom: 1px solid #eee; }
nav a { margin-right: 1rem; }
a { color: #2b5d8f; }
table { border-collapse: collapse; margin: 0.6rem 0; }
th, td { text-align: left; padding: 0.25rem 0.8rem; border-bottom: 1px solid #e5e5e5;
         vertical-align: top; }
td.num { text-align: right; }
td.verdict.held, li .held { color: #2e7d32; font-weight: 600; }
td.verdict.not-held, li .not-held { color: #c62828; font-weight: 600; }
td.verdict.inconclusive, li .inconclusive, li .untested { color: #8a6d00; font-weight: 600; }
td.verdict small { display: block; font-weight: normal; color: #444; }
td.verdict.faster { color: #2e7d32; font-weight: 600; }
td.verdict.slower { color: #c62828; font-weight: 600; }
.lesson-text { font-size: 1.1rem; max-width: 60rem; }
.graphs { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0.8rem 0; }
figure.graph svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9rem; max-width: 46rem; }
.charts { display: flex; flex-wrap: wrap; gap: 2rem; align-items: flex-start; }
svg.chart { max-width: 100%; height: auto; font: 13px system-ui, Helvetica, Arial, sans-serif; }
svg.chart .legend-item { cursor: pointer; }
svg.chart .legend-item.off { opacity: 0.35; }
svg .mark.off { display: none; }
details.timeline { margin: 0.3rem 0; }
details.timeline summary { cursor: pointer; }
details.timeline svg { max-width: 100%; height: auto; display: block; margin: 0.4rem 0; }
.note, .hint { color: #555; }
pre { background: #f6f6f6; padding: 0.6rem; overflow: auto; font-size: 0.8rem; }
ul.warnings li, ul.misses li { margin: 0.2rem 0; }
label.class-mode { margin-right: 1.5rem; font-weight: 600; }
button.reveal { display: none; font: inherit; font-size: 1.1rem; margin: 0.8rem 0;
                padding: 0.4rem 1.2rem; cursor: pointer; }
body.class-mode button.reveal:not(.done) { display: inline-block; }
body.class-mode .answer:not(.revealed) { display: none; }
.answer:focus { outline: none; }
@media print { nav { display: none; } details.timeline { display: none; }
               body.class-mode .answer { display: block !important; }
               button.reveal { display: none !important; } }
)";

// Legend entries toggle their series within their own chart; keyboard too. Class mode (the
// checkbox, or the page opened as report.html?class or #class) hides each lesson's answer (its
// text, claims, charts, reasoning and timelines, and the verdicts at the top) until its button
// is pressed, which moves the focus to the answer; turning it on again hides them all again.
// Printing shows everything.
constexpr std::string_view kScript = R"(
var classMode = document.getElementById('class-mode');
function setClassMode(on) {
  document.body.classList.toggle('class-mode', on);
  document.querySelectorAll('.answer').forEach(function (a) { a.classList.remove('revealed'); });
  document.querySelectorAll('button.reveal').forEach(function (b) { b.classList.remove('done'); });
}
if (classMode) {
  classMode.addEventListener('change', function () { setClassMode(classMode.checked); });
  if (/(^|[?&#])class($|[&#])/.test(location.search + location.hash)) classMode.checked = true;
  setClassMode(classMode.checked);
}
document.querySelectorAll('button.reveal').forEach(function (button) {
  button.addEventListener('click', function () {
    var answer = document.getElementById(button.getAttribute('data-for'));
    button.classList.add('done');
    if (!answer) return;
    answer.classList.add('revealed');
    answer.focus();
  });
});
document.querySelectorAll('svg.chart .legend-item').forEach(function (item) {
  function toggle() {
    var off = item.classList.toggle('off');
    var chart = item.closest('svg');
    chart.querySelectorAll('.mark').forEach(function (mark) {
      if (mark.getAttribute('data-series') === item.getAttribute('data-series'))
        mark.classList.toggle('off', off);
    });
  }
  item.addEventListener('click', toggle);
  item.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); }
  });
});
)";

}  // namespace

std::string html_page(std::string_view title, std::string_view body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{}<script>{}</script>\n</body>\n"
      "</html>\n",
      xml_escape(title), kStyle, body, kScript);
}

}  // namespace schedlab::reports
