#include "hw/svg_canvas.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

namespace aiinfra::hw {
namespace {

constexpr const char* kStyle = R"(
text{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;font-size:11px;fill:#2b2f36}
.h1{font-size:20px;font-weight:bold}.sub{font-size:12px;fill:#5b6472}
.st{font-size:14px;font-weight:bold}.ss{font-size:10.5px;fill:#5b6472}
.nt{font-size:10px;font-weight:bold;fill:#5b6472}.al{font-size:10px;font-weight:bold;text-anchor:middle}
.nl{font-size:8px;text-anchor:middle}.cl{font-size:9.5px;text-anchor:middle}
.sh{font-size:10.5px;font-weight:bold;text-anchor:middle}.bl{font-size:9px;fill:#22735a}
.ol{font-size:9.5px;fill:#9a5a17}
.m{text-anchor:middle}.lt{font-size:11.5px}.cap{font-size:12px;font-weight:bold}
.sys{fill:#f5f7fa;stroke:#8d99a8;stroke-width:1.2}.node{fill:#fff;stroke:#c3cbd5}
.acc{fill:#dde8f6;stroke:#3f6aa1}.cpu{fill:#eceef1;stroke:#7d8793}
.sw,.switch-tray,.switch-chip{fill:#d7eee3;stroke:#2e8b6e}
.swcol,.mesh{fill:#eef7f2;stroke:#2e8b6e;stroke-dasharray:4 3}
.spine{fill:#f8e6d0;stroke:#c0792b}.more{fill:#fff;stroke:#8d99a8;stroke-dasharray:5 4}
.dom{fill:none;stroke:#9aa5b4;stroke-dasharray:3 3}.leg{fill:#fff;stroke:#c3cbd5}
.su{stroke:#2e8b6e;stroke-width:1.4;fill:none}.so{stroke:#c0792b;stroke-width:1.6}
.ho{stroke:#8c96a3;stroke-width:1.2}.dash{stroke-dasharray:5 4}
.bundle{stroke-width:3.5;stroke-linecap:round}.trunk{stroke-width:6;stroke-linecap:round}
.r0{stroke:#c0792b;fill:#c0792b}.r1{stroke:#b0493a;fill:#b0493a}.r2{stroke:#8a5aa6;fill:#8a5aa6}
.r3{stroke:#3f7fbf;fill:#3f7fbf}.r4{stroke:#23959b;fill:#23959b}.r5{stroke:#6b8e23;fill:#6b8e23}
.r6{stroke:#b8961c;fill:#b8961c}.r7{stroke:#a0527a;fill:#a0527a}
.nic,.leaf{fill-opacity:.2}.bg{fill:#fff}
)";

// Legend metrics (px): swatch rows and paragraph lines.
constexpr double kLegendInset = 12;
constexpr double kSwatchRow = 20;
constexpr double kKeyPitch = 52;
constexpr double kNoteLine = 16;
constexpr double kNoteSize = 11.5;
constexpr double kCaptionSize = 13;

bool IsCaption(const Legend& legend, std::size_t i) {
  return i + legend.captions >= legend.notes.size();
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string SvgNumber(double v) { return fmt::format("{}", std::round(v * 10) / 10); }

double TextWidth(std::string_view text, double size) {
  int chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return chars * size * 0.58;
}

std::string FitText(std::initializer_list<std::string> options, double width, double size) {
  for (const std::string& o : options) {
    if (TextWidth(o, size) <= width) return o;
  }
  std::string last = *(options.end() - 1);
  while (!last.empty() && TextWidth(last, size) + size * 0.6 > width) {
    do last.pop_back();
    while (!last.empty() && (static_cast<unsigned char>(last.back()) & 0xC0) == 0x80);
    if (!last.empty()) last.pop_back();  // the lead byte of a multi-byte character
  }
  return last + "…";
}

std::vector<std::string> WrapText(const std::string& text, double width, double size) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (!line.empty() && TextWidth(candidate, size) > width) {
      lines.push_back(line);
      line = word;
    } else {
      line = candidate;
    }
    pos = end + 1;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string RailClass(int rail) { return fmt::format("r{}", rail % kRailColors); }

double LegendHeight(const Legend& legend, double width) {
  double h = 46 + (legend.key_title.empty() ? 0 : 22);
  for (std::size_t i = 0; i < legend.notes.size(); ++i) {
    const double size = IsCaption(legend, i) ? kCaptionSize : kNoteSize;
    h += kNoteLine * WrapText(legend.notes[i], width - 2 * kLegendInset, size).size();
  }
  return h + 8;
}

SvgCanvas::SvgCanvas(double width, double height, std::string_view title, std::size_t reserve) {
  out_.reserve(reserve);
  const std::string w = SvgNumber(width), h = SvgNumber(height);
  fmt::format_to(
      std::back_inserter(out_),
      R"(<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{}" height="{}" viewBox="0 0 {} {}">)",
      w, h, w, h);
  fmt::format_to(std::back_inserter(out_),
                 "\n<title>{}</title>\n<style type=\"text/css\"><![CDATA[{}]]></style>\n",
                 XmlEscape(title), kStyle);
}

void SvgCanvas::Rect(double x, double y, double w, double h, std::string_view cls, double rx) {
  fmt::format_to(std::back_inserter(out_),
                 R"(<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="{}"/>)", cls,
                 SvgNumber(x), SvgNumber(y), SvgNumber(w), SvgNumber(h), SvgNumber(rx));
  out_ += '\n';
}

void SvgCanvas::Line(double x1, double y1, double x2, double y2, std::string_view cls) {
  fmt::format_to(std::back_inserter(out_), R"(<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}"/>)",
                 cls, SvgNumber(x1), SvgNumber(y1), SvgNumber(x2), SvgNumber(y2));
  out_ += '\n';
}

void SvgCanvas::Text(double x, double y, std::string_view cls, std::string_view text) {
  fmt::format_to(std::back_inserter(out_), R"(<text class="{}" x="{}" y="{}">{}</text>)", cls,
                 SvgNumber(x), SvgNumber(y), XmlEscape(text));
  out_ += '\n';
}

void SvgCanvas::RotatedText(double x, double y, double degrees, std::string_view cls,
                            std::string_view text) {
  fmt::format_to(std::back_inserter(out_),
                 R"~(<text class="{}" transform="translate({},{}) rotate({})">{}</text>)~", cls,
                 SvgNumber(x), SvgNumber(y), SvgNumber(degrees), XmlEscape(text));
  out_ += '\n';
}

void SvgCanvas::Open(std::string_view tooltip) {
  fmt::format_to(std::back_inserter(out_), "<g><title>{}</title>\n", XmlEscape(tooltip));
  ++open_groups_;
}

void SvgCanvas::Close() {
  if (open_groups_ == 0) return;
  out_ += "</g>\n";
  --open_groups_;
}

void SvgCanvas::DrawLegend(const Legend& legend, double x, double y, double width) {
  Rect(x, y, width, LegendHeight(legend, width), "leg", 8);
  double cx = x + kLegendInset, cy = y + kSwatchRow;
  for (const LegendSwatch& s : legend.swatches) {
    const double w = 30 + TextWidth(s.label, 11) + 22;
    if (cx + w > x + width - kLegendInset) {
      cx = x + kLegendInset;
      cy += kSwatchRow;
    }
    if (s.box) {
      Rect(cx, cy - 9, 24, 12, s.cls + " lg", 2);
    } else {
      Line(cx, cy - 3, cx + 24, cy - 3, s.cls + " lg");
    }
    Text(cx + 30, cy + 1, "lt", s.label);
    cx += w;
  }
  cy += 24;
  if (!legend.key_title.empty()) {
    Text(x + kLegendInset, cy, "lt", legend.key_title);
    for (std::size_t k = 0; k < legend.keys.size(); ++k) {
      const double kx = x + 60 + k * kKeyPitch;
      Rect(kx, cy - 9, 20, 11, legend.keys[k].cls + " lg", 2);
      Text(kx + 24, cy + 1, "lt", legend.keys[k].label);
    }
    if (!legend.key_note.empty()) {
      Text(x + 60 + legend.keys.size() * kKeyPitch, cy, "lt", legend.key_note);
    }
    cy += 22;
  }
  for (std::size_t i = 0; i < legend.notes.size(); ++i) {
    const bool caption = IsCaption(legend, i);
    for (const std::string& line :
         WrapText(legend.notes[i], width - 2 * kLegendInset, caption ? kCaptionSize : kNoteSize)) {
      Text(x + kLegendInset, cy, caption ? "cap" : "lt", line);
      cy += kNoteLine;
    }
  }
}

std::string SvgCanvas::Finish() && {
  while (open_groups_ > 0) Close();
  out_ += "</svg>\n";
  return std::move(out_);
}

}  // namespace aiinfra::hw
