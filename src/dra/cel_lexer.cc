#include "dra/cel_lexer.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>

namespace aiinfra::dra::cel {
namespace {

// Decodes one code point at s[i]; returns its length (0 when invalid).
int DecodeOne(std::string_view s, size_t i, char32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  int len = 0;
  char32_t v = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    v = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    v = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (int k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int HexValue(char c) {
  return IsDigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : c - 'A' + 10;
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {
    // Line and column of every byte offset (and of the end).
    line_of_.resize(src.size() + 1);
    col_of_.resize(src.size() + 1);
    int line = 1, col = 1;
    for (size_t i = 0; i <= src.size(); ++i) {
      line_of_[i] = line;
      col_of_[i] = col;
      if (i == src.size()) break;
      const unsigned char c = static_cast<unsigned char>(src[i]);
      if (c == '\n') {
        ++line;
        col = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++col;
      }
    }
  }

  Result<std::vector<Token>> Run() {
    if (!ValidUtf8(src_)) {
      size_t i = 0;
      char32_t cp;
      while (i < src_.size()) {
        const int n = DecodeOne(src_, i, &cp);
        if (n == 0) break;
        i += n;
      }
      return Fail(Err(i, "invalid UTF-8"));
    }
    std::vector<Token> out;
    while (true) {
      SkipSpace();
      if (pos_ >= src_.size()) break;
      AIINFRA_TRY(Token t, Next());
      out.push_back(std::move(t));
    }
    Token end;
    end.kind = Token::kEnd;
    end.line = line_of_[src_.size()];
    end.column = col_of_[src_.size()];
    out.push_back(end);
    return out;
  }

 private:
  Error Err(size_t at, const std::string& message) const {
    return CompileError(line_of_[at], col_of_[at], message);
  }

  void SkipSpace() {
    while (pos_ < src_.size()) {
      const char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '/') {
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  Token Make(Token::Kind kind, size_t start) const {
    Token t;
    t.kind = kind;
    t.line = line_of_[start];
    t.column = col_of_[start];
    return t;
  }

  Result<Token> Next() {
    const size_t start = pos_;
    const char c = src_[pos_];
    if (IsDigit(c) || (c == '.' && pos_ + 1 < src_.size() && IsDigit(src_[pos_ + 1]))) {
      return Number();
    }
    if (IsIdentStart(c)) {
      // String prefixes r, R, b, B, and their combinations (rb, br, ...).
      size_t p = pos_;
      bool raw = false, bytes = false;
      while (p < src_.size() && p - pos_ < 2 &&
             (src_[p] == 'r' || src_[p] == 'R' || src_[p] == 'b' || src_[p] == 'B')) {
        const bool is_raw = src_[p] == 'r' || src_[p] == 'R';
        if ((is_raw && raw) || (!is_raw && bytes)) break;
        (is_raw ? raw : bytes) = true;
        ++p;
      }
      if (p > pos_ && p < src_.size() && (src_[p] == '"' || src_[p] == '\'')) {
        pos_ = p;
        return String(start, raw, bytes);
      }
      while (pos_ < src_.size() && (IsIdentStart(src_[pos_]) || IsDigit(src_[pos_]))) ++pos_;
      Token t = Make(Token::kIdent, start);
      t.text = std::string(src_.substr(start, pos_ - start));
      return t;
    }
    if (c == '"' || c == '\'') return String(start, false, false);
    static constexpr std::string_view kTwo[] = {"==", "!=", "<=", ">=", "&&", "||"};
    for (std::string_view op : kTwo) {
      if (src_.substr(pos_, 2) == op) {
        pos_ += 2;
        Token t = Make(Token::kOp, start);
        t.text = std::string(op);
        return t;
      }
    }
    if (std::string_view("+-*/%<>!?:.,[](){}").find(c) != std::string_view::npos) {
      ++pos_;
      Token t = Make(Token::kOp, start);
      t.text = std::string(1, c);
      return t;
    }
    return Fail(Err(start, fmt::format("unexpected character '{}'", DescribeChar(start))));
  }

  std::string DescribeChar(size_t at) const {
    char32_t cp = 0;
    const int n = DecodeOne(src_, at, &cp);
    if (cp < 0x20 || cp == 0x7F) return fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
    return std::string(src_.substr(at, n > 0 ? n : 1));
  }

  Result<Token> Number() {
    const size_t start = pos_;
    if (src_[pos_] == '0' && pos_ + 1 < src_.size() &&
        (src_[pos_ + 1] == 'x' || src_[pos_ + 1] == 'X')) {
      pos_ += 2;
      const size_t digits = pos_;
      while (pos_ < src_.size() && IsHex(src_[pos_])) ++pos_;
      if (pos_ == digits) return Fail(Err(start, "invalid hexadecimal literal"));
      return Integer(start, std::string(src_.substr(digits, pos_ - digits)), 16);
    }
    while (pos_ < src_.size() && IsDigit(src_[pos_])) ++pos_;
    bool is_double = false;
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' && IsDigit(src_[pos_ + 1])) {
      is_double = true;
      ++pos_;
      while (pos_ < src_.size() && IsDigit(src_[pos_])) ++pos_;
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
      if (p < src_.size() && IsDigit(src_[p])) {
        is_double = true;
        pos_ = p;
        while (pos_ < src_.size() && IsDigit(src_[pos_])) ++pos_;
      }
    }
    if (is_double) {
      const std::string text(src_.substr(start, pos_ - start));
      Token t = Make(Token::kDouble, start);
      t.double_value = std::strtod(text.c_str(), nullptr);  // overflow gives inf, as cel-go
      t.text = text;
      return t;
    }
    return Integer(start, std::string(src_.substr(start, pos_ - start)), 10);
  }

  Result<Token> Integer(size_t start, const std::string& digits, int base) {
    bool is_uint = false;
    if (pos_ < src_.size() && (src_[pos_] == 'u' || src_[pos_] == 'U')) {
      is_uint = true;
      ++pos_;
    }
    unsigned __int128 v = 0;
    for (char c : digits) {
      v = v * base + HexValue(c);
      if (v > UINT64_MAX) return Fail(Err(start, "integer literal out of range"));
    }
    Token t = Make(is_uint ? Token::kUint : Token::kInt, start);
    t.uint_value = static_cast<uint64_t>(v);
    t.text = std::string(src_.substr(start, pos_ - start));
    // Ints up to 2^63 pass here: the parser accepts 2^63 only right after a unary minus.
    if (!is_uint && v > (static_cast<unsigned __int128>(1) << 63)) {
      return Fail(Err(start, "integer literal out of range"));
    }
    return t;
  }

  Result<Token> String(size_t start, bool raw, bool bytes) {
    const char quote = src_[pos_];
    const bool triple = src_.substr(pos_, 3) == std::string(3, quote);
    pos_ += triple ? 3 : 1;
    std::string value;
    while (true) {
      if (pos_ >= src_.size()) return Fail(Err(start, "unterminated string literal"));
      const char c = src_[pos_];
      if (triple ? src_.substr(pos_, 3) == std::string(3, quote) : c == quote) {
        pos_ += triple ? 3 : 1;
        break;
      }
      if (!triple && (c == '\n' || c == '\r')) {
        return Fail(Err(start, "unterminated string literal"));
      }
      if (c == '\\' && !raw) {
        AIINFRA_CHECK_OK(Escape(bytes, &value));
        continue;
      }
      value.push_back(c);
      ++pos_;
    }
    Token t = Make(bytes ? Token::kBytes : Token::kString, start);
    t.text = std::move(value);
    return t;
  }

  Status Escape(bool bytes, std::string* out) {
    const size_t at = pos_;
    ++pos_;
    if (pos_ >= src_.size()) return Fail(Err(at, "invalid escape sequence"));
    const char c = src_[pos_++];
    switch (c) {
      case 'a':
        out->push_back('\a');
        return {};
      case 'b':
        out->push_back('\b');
        return {};
      case 'f':
        out->push_back('\f');
        return {};
      case 'n':
        out->push_back('\n');
        return {};
      case 'r':
        out->push_back('\r');
        return {};
      case 't':
        out->push_back('\t');
        return {};
      case 'v':
        out->push_back('\v');
        return {};
      case '\\':
      case '\'':
      case '"':
      case '`':
      case '?':
        out->push_back(c);
        return {};
      default:
        break;
    }
    int digits = 0, base = 16;
    if (c == 'x' || c == 'X') {
      digits = 2;
    } else if (c == 'u' && !bytes) {
      digits = 4;
    } else if (c == 'U' && !bytes) {
      digits = 8;
    } else if (c >= '0' && c <= '3') {
      digits = 2;
      base = 8;
    } else {
      return Fail(Err(at, "invalid escape sequence"));
    }
    uint32_t v = base == 8 ? static_cast<uint32_t>(c - '0') : 0;
    for (int i = 0; i < digits; ++i) {
      if (pos_ >= src_.size()) return Fail(Err(at, "invalid escape sequence"));
      const char d = src_[pos_++];
      if (base == 8 ? (d < '0' || d > '7') : !IsHex(d)) {
        return Fail(Err(at, "invalid escape sequence"));
      }
      v = v * base + HexValue(d);
    }
    if (bytes) {
      out->push_back(static_cast<char>(v));
    } else {
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        return Fail(Err(at, "invalid code point in escape sequence"));
      }
      AppendUtf8(v, out);
    }
    return {};
  }

  std::string_view src_;
  size_t pos_ = 0;
  std::vector<int> line_of_, col_of_;
};

}  // namespace

Error CompileError(int line, int column, const std::string& message) {
  Error e;
  e.code = ErrorCode::kInvalidInput;
  e.where.line = line;
  e.where.column = column;
  e.message =
      line == 1 ? fmt::format("CEL compile error at column {}: {}", column, message)
                : fmt::format("CEL compile error at line {}, column {}: {}", line, column, message);
  return e;
}

Result<std::vector<Token>> Tokenize(std::string_view source) { return Lexer(source).Run(); }

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const int n = DecodeOne(s, i, &cp);
    out.push_back(n == 0 ? U'\uFFFD' : cp);
    i += n == 0 ? 1 : n;
  }
  return out;
}

std::string EncodeUtf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t cp : s) AppendUtf8(cp, &out);
  return out;
}

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const int n = DecodeOne(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace aiinfra::dra::cel
