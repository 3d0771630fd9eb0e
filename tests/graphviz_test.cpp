// Graphs drawn by Graphviz for report.html and lessons: only shapes and text reach the page,
// whatever DOT a results.json carries, and a layout that takes too long is given up.
#include "schedlab/reports/graphviz.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>

#include "schedlab/reports/svg_allow_list.hpp"

namespace schedlab::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bool dot_installed() {
  return system("command -v dot >/dev/null 2>&1") == 0;
}

// What Graphviz 2.42+ writes for one node, with a link that a hostile DOT asked for.
constexpr const char* kGraphvizSvg = R"svg(<svg width="62pt" height="44pt"
 viewBox="0.00 0.00 62.00 44.00" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<g id="graph0" class="graph" transform="scale(1 1) rotate(0) translate(4 40)">
<title>schedlab</title>
<polygon fill="white" stroke="none" points="-4,4 -4,-40 58,-40 58,4 -4,4"/>
<!-- x -->
<g id="node1" class="node">
<title>x</title>
<g id="a_node1"><a xlink:href="javascript:alert(1)" xlink:title="x">
<ellipse fill="none" stroke="black" cx="27" cy="-18" rx="27" ry="18"/>
<text text-anchor="middle" x="27" y="-14.3" font-family="Helvetica" font-size="14.00">hidden</text>
</a>
</g>
<text text-anchor="middle" x="27" y="-14.3" font-family="Helvetica,sans-Serif" font-size="14.00">x &lt;b&gt;</text>
</g>
</g>
</svg>
)svg";

TEST(SvgAllowList, KeepsGraphvizShapesAndText) {
  const std::optional<std::string> svg = allow_listed_svg(kGraphvizSvg);
  ASSERT_TRUE(svg);
  EXPECT_THAT(*svg, HasSubstr("<svg width=\"62pt\" height=\"44pt\""));
  EXPECT_THAT(*svg, HasSubstr("<g id=\"graph0\" class=\"graph\""));
  EXPECT_THAT(*svg, HasSubstr("<polygon fill=\"white\" stroke=\"none\""));
  EXPECT_THAT(*svg, HasSubstr(">x &lt;b&gt;</text>"));  // escaped text stays escaped
  EXPECT_TRUE(svg->ends_with("</svg>"));
}

TEST(SvgAllowList, LeavesOutLinksAndAllTheyHold) {
  const std::string svg = allow_listed_svg(kGraphvizSvg).value();
  EXPECT_THAT(svg, Not(HasSubstr("<a")));
  EXPECT_THAT(svg, Not(HasSubstr("javascript")));
  EXPECT_THAT(svg, Not(HasSubstr("hidden")));  // the link's content went with it
  EXPECT_THAT(svg, Not(HasSubstr("xlink")));
  EXPECT_THAT(svg, Not(HasSubstr("<!--")));
}

TEST(SvgAllowList, LeavesOutPicturesScriptsStylesAndHandlers) {
  const std::string svg =
      allow_listed_svg(
          "<svg onload=\"alert(1)\"><image href=\"/etc/passwd\" x=\"1\"/>"
          "<script>alert(2)</script><style>*{background:url(http://x)}</style>"
          "<foreignObject><div>html</div></foreignObject>"
          "<g class=\"legend-item\" style=\"fill:red\"><rect fill=\"url(#p)\" "
          "stroke='a\"b' ONCLICK='x()' width=\"2\"/></g><use href=\"#x\"/></svg>")
          .value();
  EXPECT_EQ(svg, "<svg><g><rect stroke=\"a&quot;b\" width=\"2\"/></g></svg>");
}

TEST(SvgAllowList, CaseEntitiesAndEscapesDoNotGetPastIt) {
  // Names are matched whatever their case and written as SVG spells them; values that a browser
  // would decode (&#117;rl, u\72l) into something that fetches are left out.
  EXPECT_EQ(allow_listed_svg("<SVG VIEWBOX=\"0 0 1 1\" ID=\"a\" CLASS=\"legend-item\"><G "
                             "Class=\"node\"><RECT FILL=\"&#117;rl(https://x/p.svg#a)\" "
                             "stroke=\"u\\72l(https://x)\" width=\"1\"/></g></Svg>")
                .value(),
            "<svg viewBox=\"0 0 1 1\" id=\"a\"><g class=\"node\"><rect width=\"1\"/></g></svg>");
  EXPECT_EQ(allow_listed_svg("<svg><SCRIPT>x()</SCRIPT><ScRiPt>y()</sCrIpT></svg>").value(),
            "<svg></svg>");
}

TEST(SvgAllowList, RefusesWhatItCannotRead) {
  for (const char* bad : {"<svg><g></svg>", "<svg><g", "<svg x=1></svg>", "<svg><!-- </svg>",
                          "<svg x=\"1></svg>", "no svg at all"}) {
    EXPECT_FALSE(allow_listed_svg(bad)) << bad;
  }
}

TEST(SvgAllowList, EndsAtTheEndOfTheSvgElement) {
  EXPECT_EQ(allow_listed_svg("<svg></svg><script>x()</script>").value(), "<svg></svg>");
}

// The DOT tricks a hostile tester used to get past a list of forbidden words: string
// concatenation, a backslash-newline inside a name, and an HTML-like label with a picture.
TEST(Graphviz, HostileDotDrawsNoLinkOrPicture) {
  if (!dot_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  int drawn = 0;
  for (const char* dot : {
           "digraph { a [\"UR\" + \"L\"=\"javascript:alert(1)\"]; a -> b }",
           "digraph { a [UR\\\nL=\"javascript:alert(1)\"]; a -> b }",
           "digraph { a [href=\"javascript:alert(1)\", target=\"_top\"]; a -> b }",
           "digraph { a [label=<<TABLE><TR><TD><IMG SRC=\"/usr/share/pixmaps/debian-logo.png\"/>"
           "</TD></TR></TABLE>>]; a -> b }",
           "digraph { a [image=\"/usr/share/pixmaps/debian-logo.png\"]; a -> b }",
       }) {
    const Drawing drawing = dot_to_svg(dot);
    if (!drawing.svg) continue;  // not drawn at all is safe too
    ++drawn;
    for (const char* fetch : {"javascript", "href", "<a", "<image", "png"}) {
      EXPECT_THAT(*drawing.svg, Not(HasSubstr(fetch))) << dot;
    }
  }
  EXPECT_GE(drawn, 3);  // Graphviz draws these graphs: the checks above looked at pictures
}

TEST(Graphviz, DrawsOurGraphs) {
  if (!dot_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const Drawing drawing = dot_to_svg("digraph { x -> y }");
  ASSERT_TRUE(drawing.svg) << drawing.why_not;
  EXPECT_THAT(*drawing.svg, HasSubstr("<title>x</title>"));
}

// report.html lays its graphs out in batches (one `dot` per core): each picture is the one
// the graph gets alone, the allow-list applies to each, and a graph that breaks its batch
// costs only its own picture.
TEST(Graphviz, GraphsLaidOutTogetherAreTheSameAsAlone) {
  if (!dot_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  // Named graphs, as ours are; an anonymous one is laid out alone (Graphviz numbers anonymous
  // graphs across its input).
  const std::vector<std::string> graphs = {
      "digraph a { batch_a -> batch_b }", "digraph c { batch_c -> batch_d; batch_c -> batch_e }",
      "digraph f { batch_f [href=\"javascript:alert(1)\"]; batch_f -> batch_g }",
      "digraph { batch_h -> batch_i -> batch_j }", "strict digraph \"k\" { batch_k -> batch_l }"};
  lay_out_ahead(graphs);
  // The pictures were made by the batch: with no `dot` to be found, they are still there.
  const std::string path = getenv("PATH");
  setenv("PATH", "/nonexistent", 1);
  std::vector<Drawing> batched;
  for (const std::string& dot : graphs) batched.push_back(dot_to_svg(dot));
  setenv("PATH", path.c_str(), 1);
  for (size_t i = 0; i < graphs.size(); ++i) {
    const std::string& dot = graphs[i];
    const bool anonymous = dot.starts_with("digraph {");
    EXPECT_EQ(batched[i].svg.has_value(), !anonymous) << dot;  // the anonymous one: not batched
    const Drawing together = anonymous ? dot_to_svg(dot) : batched[i];
    const Drawing alone = dot_to_svg(dot + "\n");  // another text: laid out on its own
    ASSERT_TRUE(together.svg) << together.why_not;
    ASSERT_TRUE(alone.svg) << alone.why_not;
    EXPECT_EQ(*together.svg, *alone.svg) << dot;
    EXPECT_THAT(*together.svg, Not(HasSubstr("javascript")));
    EXPECT_THAT(*together.svg, Not(HasSubstr("page0")));
  }
  const std::vector<std::string> with_broken = {"digraph a { broken_a -> broken_b }",
                                                "digraph c { broken_c -> }",
                                                "digraph d { broken_d -> broken_e }"};
  lay_out_ahead(with_broken);
  EXPECT_TRUE(dot_to_svg(with_broken[0]).svg);
  EXPECT_FALSE(dot_to_svg(with_broken[1]).svg);
  EXPECT_TRUE(dot_to_svg(with_broken[2]).svg);
}

TEST(Graphviz, ALayoutTooDenseForItsBudgetIsGivenUp) {
  if (!dot_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  // 150 tasks with 10 random dependencies each: Graphviz takes over 25 s on this project's VM.
  std::mt19937 random(42);
  std::string dot = "digraph {\n";
  for (int i = 1; i < 150; ++i) {
    for (int e = 0; e < 10; ++e) dot += fmt::format("n{} -> n{};\n", random() % i, i);
  }
  dot += "}\n";
  const auto start = std::chrono::steady_clock::now();
  const Drawing drawing = dot_to_svg(dot, std::chrono::milliseconds(150));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(drawing.svg);
  EXPECT_THAT(drawing.why_not, HasSubstr("too dense for Graphviz to lay out in 0.15 s"));
  EXPECT_LT(seconds, 5.0);  // a generous bound: the layout alone takes over 25 s
  const std::string ours = "pgrep -x -P " + std::to_string(getpid()) + " dot >/dev/null";
  EXPECT_NE(system(ours.c_str()), 0) << "dot was left running";
}

}  // namespace
}  // namespace schedlab::reports
