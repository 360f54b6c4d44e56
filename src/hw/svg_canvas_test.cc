#include "hw/svg_canvas.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace aiinfra::hw {
namespace {

// The document without its root element, title and style sheet.
std::string Body(const std::string& svg) {
  const std::string end_of_style = "]]></style>\n";
  const auto at = svg.find(end_of_style);
  EXPECT_NE(at, std::string::npos);
  return svg.substr(at + end_of_style.size());
}

TEST(SvgCanvasTest, EscapesTheFiveXmlSpecials) {
  EXPECT_EQ(XmlEscape(R"(a<b>&"c"')"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;");
  EXPECT_EQ(XmlEscape("&amp;"), "&amp;amp;");  // escaping twice shows
  EXPECT_EQ(XmlEscape("plain · ünïcode ↔"), "plain · ünïcode ↔");
  EXPECT_EQ(XmlEscape(""), "");
}

TEST(SvgCanvasTest, NumbersHaveAtMostOneDecimal) {
  EXPECT_EQ(SvgNumber(12), "12");
  EXPECT_EQ(SvgNumber(12.5), "12.5");
  EXPECT_EQ(SvgNumber(12.34), "12.3");
  EXPECT_EQ(SvgNumber(0.04), "0");
  EXPECT_EQ(SvgNumber(-90), "-90");
}

TEST(SvgCanvasTest, TextMetricsCountCodePoints) {
  EXPECT_DOUBLE_EQ(TextWidth("abcd", 10), 4 * 10 * 0.58);
  EXPECT_DOUBLE_EQ(TextWidth("a·b", 10), 3 * 10 * 0.58);  // "·" is two bytes, one code point
  EXPECT_EQ(FitText({"a long label", "short"}, TextWidth("short", 10), 10), "short");
  EXPECT_EQ(FitText({"fits"}, 100, 10), "fits");
  const std::string cut = FitText({"éééééééééé"}, TextWidth("éééé", 10), 10);
  EXPECT_EQ(cut.substr(cut.size() - 3), "…");
  EXPECT_LE(TextWidth(cut, 10), TextWidth("éééé", 10));
  EXPECT_EQ(cut.rfind("é", 0), 0u);  // cut at a code point boundary
  EXPECT_EQ(cut.size() % 2, 1u);     // whole "é"s (2 bytes) plus "…" (3 bytes)

  EXPECT_EQ(WrapText("", 100, 10), std::vector<std::string>{});
  EXPECT_EQ(WrapText("aa bb cc", TextWidth("aa bb", 10), 10),
            (std::vector<std::string>{"aa bb", "cc"}));
  EXPECT_EQ(WrapText("aaaaaaaa b", TextWidth("aaa", 10), 10),
            (std::vector<std::string>{"aaaaaaaa", "b"}));  // a long word keeps its own line
}

TEST(SvgCanvasTest, DocumentHasRootTitleAndStyleSheet) {
  const std::string svg = SvgCanvas(100.25, 50, "A & B").Finish();
  EXPECT_EQ(svg.rfind(R"(<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="100.3" )"
                      R"(height="50" viewBox="0 0 100.3 50">)",
                      0),
            0u);
  EXPECT_NE(svg.find("\n<title>A &amp; B</title>\n<style type=\"text/css\"><![CDATA["),
            std::string::npos);
  EXPECT_NE(svg.find(".r7{"), std::string::npos);  // the rail colours
  EXPECT_EQ(Body(svg), "</svg>\n");
}

TEST(SvgCanvasTest, PrimitivesAreWrittenOnePerLineAndEscaped) {
  SvgCanvas canvas(10, 10, "t");
  canvas.Rect(1, 2.25, 3, 4, "acc", 3);
  canvas.Line(0, 0.5, 10, 1.04, "su bundle");
  canvas.Open(R"(tip <"x">)");
  canvas.Text(5, 6, "cl", "a < b & 'c'");
  canvas.RotatedText(7, 8, -90, "bl m", "2 × 900GB/s");
  canvas.Close();
  EXPECT_EQ(Body(std::move(canvas).Finish()),
            R"(<rect class="acc" x="1" y="2.3" width="3" height="4" rx="3"/>)"
            "\n"
            R"(<line class="su bundle" x1="0" y1="0.5" x2="10" y2="1"/>)"
            "\n"
            R"(<g><title>tip &lt;&quot;x&quot;&gt;</title>)"
            "\n"
            R"(<text class="cl" x="5" y="6">a &lt; b &amp; &apos;c&apos;</text>)"
            "\n"
            R"~(<text class="bl m" transform="translate(7,8) rotate(-90)">2 × 900GB/s</text>)~"
            "\n</g>\n</svg>\n");
}

TEST(SvgCanvasTest, FinishBalancesGroups) {
  SvgCanvas canvas(10, 10, "t");
  canvas.Close();  // nothing open: ignored
  canvas.Open("outer");
  canvas.Open("inner");
  canvas.Close();
  EXPECT_EQ(Body(std::move(canvas).Finish()),
            "<g><title>outer</title>\n<g><title>inner</title>\n</g>\n</g>\n</svg>\n");
}

TEST(SvgCanvasTest, LegendFitsItsBox) {
  Legend legend{.swatches = {{"su", false, "scale-up link"}, {"acc", true, "accelerator"}},
                .key_title = "rails:",
                .keys = {{"nic r0", true, "0"}, {"nic r1", true, "1"}},
                .key_note = "(colours repeat)",
                .notes = {"a note long enough to be wrapped onto more than one line of the box",
                          "Totals: <all> & more"},
                .captions = 1};
  const double width = 300;
  const double height = LegendHeight(legend, width);
  SvgCanvas canvas(width, height, "legend");
  canvas.DrawLegend(legend, 0, 0, width);
  const std::string body = Body(std::move(canvas).Finish());
  EXPECT_EQ(body.rfind(R"(<rect class="leg" x="0" y="0" width="300" height=")", 0), 0u);
  EXPECT_NE(body.find(R"(<line class="su lg")"), std::string::npos);
  EXPECT_NE(body.find(R"(<rect class="acc lg")"), std::string::npos);
  EXPECT_NE(body.find(R"(<rect class="nic r1 lg")"), std::string::npos);
  EXPECT_NE(body.find(">(colours repeat)</text>"), std::string::npos);
  EXPECT_NE(body.find(R"(<text class="cap" x="12")"), std::string::npos);
  EXPECT_NE(body.find("Totals: &lt;all&gt; &amp; more"), std::string::npos);
  // Every line of text has its baseline inside the box.
  for (auto at = body.find("<text "); at != std::string::npos; at = body.find("<text ", at + 1)) {
    const auto y = body.find(" y=\"", at) + 4;
    EXPECT_LT(std::stod(body.substr(y, body.find('"', y) - y)), height) << body.substr(at, 80);
  }
  // Without a key row or notes, the box is smaller.
  EXPECT_LT(LegendHeight(Legend{.swatches = legend.swatches}, width), height);
}

TEST(RailClassTest, ColoursRepeatAfterEightRails) {
  EXPECT_EQ(RailClass(0), "r0");
  EXPECT_EQ(RailClass(7), "r7");
  EXPECT_EQ(RailClass(kRailColors + 2), "r2");
}

}  // namespace
}  // namespace aiinfra::hw
