// The SVG document writer behind the hardware pictures: a standalone SVG 1.1 document with an
// embedded style sheet (no external resources), its drawing primitives, a legend box, and the
// text metrics a layout needs to fit its labels.
//
// The style sheet is the vocabulary of the pictures; a layout only picks classes from it:
//   text:    h1 sub (title, subtitle) · st ss (system title, subtitle) · nt (node title) ·
//            al nl cl (accelerator, NIC, centred labels) · sh (centred header) · bl (bandwidth) ·
//            ol (scale-out note) · m (centred) · lt cap (legend text, caption)
//   boxes:   sys node acc cpu nic · sw switch-tray switch-chip (scale-up switches) · swcol mesh ·
//            leaf spine (scale-out switches) · more (summary) · dom (domain frame) · leg · bg
//   lines:   su (scale-up) so (scale-out) ho (host) · dash bundle trunk (modifiers)
//   colours: r0 … r7 (one per rail, stroke and fill; see RailClass)
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace aiinfra::hw {

// `text` with & < > " ' replaced by XML entities (for text and attribute values).
std::string XmlEscape(std::string_view text);

// A coordinate as written: rounded to one decimal, shortest form ("12", "12.5", "-90").
std::string SvgNumber(double v);

// Rough width in px of UTF-8 `text` at font size `size` px in the sans-serif fonts of the style
// sheet: code points x 0.58 em (no font metrics needed, good enough to avoid overflow).
double TextWidth(std::string_view text, double size);

// The first of `options` (non-empty) whose TextWidth fits `width`; else the last one, cut at a
// code point boundary and ended with "…" so that it fits.
std::string FitText(std::initializer_list<std::string> options, double width, double size);

// The words of `text` (split at single spaces) in lines no wider than `width`; a word wider than
// `width` gets a line of its own. Empty for empty `text`.
std::vector<std::string> WrapText(const std::string& text, double width, double size);

// The number of rail colours (r0 … r7); rails beyond repeat them.
inline constexpr int kRailColors = 8;

// The colour class of `rail` ("r0" … "r7").
std::string RailClass(int rail);

// One sample in a legend: a short line (`box` false) or a small box of class `cls`, then `label`.
struct LegendSwatch {
  std::string cls;
  bool box = false;
  std::string label;
};

// What a legend box shows, top to bottom: swatches flowed left to right (wrapping; room for two
// rows is reserved), an optional key row (`key_title`, then small boxes of `keys` labelled with
// their labels, 52 px apart, then `key_note`), and `notes` as wrapped paragraphs, the last
// `captions` of them set as a caption (larger, bold).
struct Legend {
  std::vector<LegendSwatch> swatches;
  std::string key_title;  // empty: no key row
  std::vector<LegendSwatch> keys;
  std::string key_note;
  std::vector<std::string> notes;
  std::size_t captions = 0;
};

// The height of `legend` drawn `width` px wide.
double LegendHeight(const Legend& legend, double width);

// Writes one SVG document into a string. The constructor writes the root element, its title and
// the style sheet; the primitives append elements in drawing order (later ones paint over
// earlier ones); Finish closes what is open and returns the document. Every string argument is
// text, escaped here; class names are written as given. Coordinates are px of the viewBox, which
// equals width x height (drawn 1:1), written with SvgNumber. Thread-compatible.
class SvgCanvas {
 public:
  // `reserve`: the expected size in bytes (a hint only).
  SvgCanvas(double width, double height, std::string_view title, std::size_t reserve = 0);

  // A rectangle with corner radius `rx`.
  void Rect(double x, double y, double w, double h, std::string_view cls, double rx = 4);
  void Line(double x1, double y1, double x2, double y2, std::string_view cls);
  // `text` with its baseline at y, starting (or centred, by class) at x.
  void Text(double x, double y, std::string_view cls, std::string_view text);
  // `text` as Text at the origin, rotated by `degrees` (clockwise) and moved to (x, y).
  void RotatedText(double x, double y, double degrees, std::string_view cls, std::string_view text);
  // A group whose elements show `tooltip` on hover; groups nest. Close without an open group
  // does nothing.
  void Open(std::string_view tooltip);
  void Close();
  // `legend` in a box at (x, y), `width` px wide and LegendHeight(legend, width) high.
  void DrawLegend(const Legend& legend, double x, double y, double width);

  // The document: closes open groups and the root element (ends with "</svg>\n").
  std::string Finish() &&;

 private:
  std::string out_;
  int open_groups_ = 0;
};

}  // namespace aiinfra::hw
