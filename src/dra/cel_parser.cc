#include "dra/cel_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "dra/cel_lexer.h"

namespace aiinfra::dra::cel {
namespace {

const std::set<std::string, std::less<>>& ReservedWords() {
  static const std::set<std::string, std::less<>> kWords = {
      "as",  "break", "const",   "continue",  "else",   "for", "function", "if",   "import",
      "let", "loop",  "package", "namespace", "return", "var", "void",     "while"};
  return kWords;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<ExprPtr> Run() {
    AIINFRA_TRY(ExprPtr e, ParseExpr());
    if (Peek().kind != Token::kEnd) return Fail(Unexpected(Peek()));
    return e;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool IsOp(std::string_view op, size_t ahead = 0) const {
    return Peek(ahead).kind == Token::kOp && Peek(ahead).text == op;
  }
  const Token& Advance() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }

  Error At(const Token& t, const std::string& message) const {
    return CompileError(t.line, t.column, message);
  }
  Error Unexpected(const Token& t) const {
    if (t.kind == Token::kEnd) return At(t, "unexpected end of expression");
    const std::string shown = t.kind == Token::kString ? "string literal" : t.text;
    return At(t, fmt::format("syntax error: unexpected '{}'", shown));
  }
  Status Expect(std::string_view op) {
    if (!IsOp(op)) return Fail(At(Peek(), fmt::format("syntax error: expected '{}'", op)));
    Advance();
    return {};
  }

  // A node whose subtree height stays within kMaxDepth.
  Result<ExprPtr> Node(Expr::Kind kind, const Token& at, std::vector<ExprPtr> args = {}) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->column = at.column;
    for (const ExprPtr& a : args) e->depth = std::max(e->depth, a->depth + 1);
    if (e->depth > kMaxDepth) {
      return Fail(
          At(at, fmt::format("expression nested too deeply (more than {} levels)", kMaxDepth)));
    }
    e->args = std::move(args);
    return e;
  }
  Result<ExprPtr> Call(const std::string& fn, const Token& at, std::vector<ExprPtr> args,
                       bool member = false) {
    AIINFRA_TRY(ExprPtr e, Node(Expr::kCall, at, std::move(args)));
    e->name = fn;
    e->member = member;
    if (!member && (fn.starts_with('_') || fn == "!_" || fn == "-_" || fn == "@in")) {
      e->overload = kOperator;
    }
    return e;
  }

  Result<ExprPtr> ParseExpr() {
    if (++depth_ > kMaxDepth) {
      return Fail(
          At(Peek(), fmt::format("expression nested too deeply (more than {} levels)", kMaxDepth)));
    }
    AIINFRA_TRY(ExprPtr cond, ParseLogical("||"));
    if (IsOp("?")) {
      const Token op = Advance();
      AIINFRA_TRY(ExprPtr yes, ParseLogical("||"));
      AIINFRA_CHECK_OK(Expect(":"));
      AIINFRA_TRY(ExprPtr no, ParseExpr());
      std::vector<ExprPtr> args;
      args.push_back(std::move(cond));
      args.push_back(std::move(yes));
      args.push_back(std::move(no));
      AIINFRA_TRY(cond, Call("_?_:_", op, std::move(args)));
    }
    --depth_;
    return cond;
  }

  // `a || b || c` and `a && b && c`, built as balanced trees (as cel-go does) so that long
  // chains stay shallow.
  Result<ExprPtr> ParseLogical(std::string_view op) {
    std::vector<ExprPtr> terms;
    std::vector<Token> ops;
    while (true) {
      if (op == "||") {
        AIINFRA_TRY(ExprPtr t, ParseLogical("&&"));
        terms.push_back(std::move(t));
      } else {
        AIINFRA_TRY(ExprPtr t, ParseRelation());
        terms.push_back(std::move(t));
      }
      if (!IsOp(op)) break;
      ops.push_back(Advance());
    }
    return Balance(op == "||" ? "_||_" : "_&&_", terms, ops, 0, terms.size());
  }
  Result<ExprPtr> Balance(const char* fn, std::vector<ExprPtr>& terms,
                          const std::vector<Token>& ops, size_t lo, size_t hi) {
    if (hi - lo == 1) return std::move(terms[lo]);
    const size_t mid = (lo + hi) / 2;
    AIINFRA_TRY(ExprPtr left, Balance(fn, terms, ops, lo, mid));
    AIINFRA_TRY(ExprPtr right, Balance(fn, terms, ops, mid, hi));
    std::vector<ExprPtr> args;
    args.push_back(std::move(left));
    args.push_back(std::move(right));
    return Call(fn, ops[mid - 1], std::move(args));
  }

  Result<ExprPtr> Binary(const char* fn, const Token& op, ExprPtr a, ExprPtr b) {
    std::vector<ExprPtr> args;
    args.push_back(std::move(a));
    args.push_back(std::move(b));
    return Call(fn, op, std::move(args));
  }

  Result<ExprPtr> ParseRelation() {
    AIINFRA_TRY(ExprPtr left, ParseAddition());
    while (true) {
      const Token& t = Peek();
      const char* fn = nullptr;
      if (t.kind == Token::kOp) {
        if (t.text == "<") fn = "_<_";
        if (t.text == "<=") fn = "_<=_";
        if (t.text == ">") fn = "_>_";
        if (t.text == ">=") fn = "_>=_";
        if (t.text == "==") fn = "_==_";
        if (t.text == "!=") fn = "_!=_";
      } else if (t.kind == Token::kIdent && t.text == "in") {
        fn = "@in";
      }
      if (fn == nullptr) return left;
      const Token op = Advance();
      AIINFRA_TRY(ExprPtr right, ParseAddition());
      AIINFRA_TRY(left, Binary(fn, op, std::move(left), std::move(right)));
    }
  }

  Result<ExprPtr> ParseAddition() {
    AIINFRA_TRY(ExprPtr left, ParseMultiplication());
    while (IsOp("+") || IsOp("-")) {
      const Token op = Advance();
      AIINFRA_TRY(ExprPtr right, ParseMultiplication());
      AIINFRA_TRY(left,
                  Binary(op.text == "+" ? "_+_" : "_-_", op, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> ParseMultiplication() {
    AIINFRA_TRY(ExprPtr left, ParseUnary());
    while (IsOp("*") || IsOp("/") || IsOp("%")) {
      const Token op = Advance();
      AIINFRA_TRY(ExprPtr right, ParseUnary());
      const char* fn = op.text == "*" ? "_*_" : op.text == "/" ? "_/_" : "_%_";
      AIINFRA_TRY(left, Binary(fn, op, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> ParseUnary() {
    std::vector<Token> ops;
    while (IsOp("!") || IsOp("-")) ops.push_back(Advance());
    // -9223372036854775808 is an int literal, not the negation of an out-of-range one.
    if (!ops.empty() && ops.back().text == "-" && Peek().kind == Token::kInt) {
      const Token lit = Advance();
      AIINFRA_TRY(ExprPtr e, Node(Expr::kInt, ops.back()));
      e->int_value = static_cast<int64_t>(-static_cast<__int128>(lit.uint_value));
      ops.pop_back();
      AIINFRA_TRY(e, ParseMemberSuffix(std::move(e)));
      return WrapUnary(std::move(e), ops);
    }
    AIINFRA_TRY(ExprPtr e, ParseMember());
    return WrapUnary(std::move(e), ops);
  }
  Result<ExprPtr> WrapUnary(ExprPtr e, const std::vector<Token>& ops) {
    for (size_t i = ops.size(); i-- > 0;) {
      std::vector<ExprPtr> args;
      args.push_back(std::move(e));
      AIINFRA_TRY(e, Call(ops[i].text == "!" ? "!_" : "-_", ops[i], std::move(args)));
    }
    return e;
  }

  Result<ExprPtr> ParseMember() {
    AIINFRA_TRY(ExprPtr e, ParsePrimary());
    return ParseMemberSuffix(std::move(e));
  }

  Result<ExprPtr> ParseMemberSuffix(ExprPtr e) {
    while (true) {
      if (IsOp(".")) {
        const Token dot = Advance();
        if (IsOp("?")) return Fail(At(Peek(), "optional field selection is not supported"));
        if (Peek().kind != Token::kIdent) return Fail(Unexpected(Peek()));
        const Token name = Advance();
        AIINFRA_CHECK_OK(CheckIdent(name));
        if (IsOp("(")) {
          const Token open = Advance();
          AIINFRA_TRY(std::vector<ExprPtr> args, ParseArgs(")"));
          AIINFRA_TRY(e, MemberCall(std::move(e), name.text, open, std::move(args)));
        } else {
          std::vector<ExprPtr> args;
          args.push_back(std::move(e));
          AIINFRA_TRY(e, Node(Expr::kSelect, dot, std::move(args)));
          e->name = name.text;
        }
      } else if (IsOp("[")) {
        const Token open = Advance();
        if (IsOp("?")) return Fail(At(Peek(), "optional index is not supported"));
        AIINFRA_TRY(ExprPtr index, ParseExpr());
        AIINFRA_CHECK_OK(Expect("]"));
        std::vector<ExprPtr> args;
        args.push_back(std::move(e));
        args.push_back(std::move(index));
        AIINFRA_TRY(e, Node(Expr::kIndex, open, std::move(args)));
      } else {
        return e;
      }
    }
  }

  Status CheckIdent(const Token& t) const {
    if (ReservedWords().contains(t.text) || t.text == "in" || t.text == "true" ||
        t.text == "false" || t.text == "null") {
      return Fail(At(t, fmt::format("reserved identifier '{}'", t.text)));
    }
    return {};
  }

  Result<std::vector<ExprPtr>> ParseArgs(std::string_view close) {
    std::vector<ExprPtr> args;
    if (IsOp(close)) {
      Advance();
      return args;
    }
    while (true) {
      AIINFRA_TRY(ExprPtr a, ParseExpr());
      args.push_back(std::move(a));
      if (IsOp(",")) {
        Advance();
        if (IsOp(close)) break;  // trailing comma
        continue;
      }
      break;
    }
    AIINFRA_CHECK_OK(Expect(close));
    return args;
  }

  Result<ExprPtr> MemberCall(ExprPtr target, const std::string& fn, const Token& open,
                             std::vector<ExprPtr> args) {
    // cel.bind(name, init, body)
    if (fn == "bind" && target->kind == Expr::kIdent && target->name == "cel" && args.size() == 3) {
      if (args[0]->kind != Expr::kIdent) {
        return Fail(CompileError(args[0]->line, args[0]->column,
                                 "cel.bind() variable name must be a simple identifier"));
      }
      std::string var = args[0]->name;
      args.erase(args.begin());
      AIINFRA_TRY(ExprPtr e, Node(Expr::kBind, open, std::move(args)));
      e->name = std::move(var);
      return e;
    }
    static const std::pair<std::string_view, Expr::Macro> kMacros[] = {
        {"all", Expr::Macro::kAll},
        {"exists", Expr::Macro::kExists},
        {"exists_one", Expr::Macro::kExistsOne},
        {"map", Expr::Macro::kMap},
        {"filter", Expr::Macro::kFilter}};
    for (const auto& [name, macro] : kMacros) {
      const bool arity = args.size() == 2 || (macro == Expr::Macro::kMap && args.size() == 3);
      if (fn != name || !arity) continue;
      if (args[0]->kind != Expr::kIdent) {
        return Fail(CompileError(args[0]->line, args[0]->column, "argument must be a simple name"));
      }
      std::string iter = args[0]->name;
      std::vector<ExprPtr> children;
      children.push_back(std::move(target));
      for (size_t i = 1; i < args.size(); ++i) children.push_back(std::move(args[i]));
      AIINFRA_TRY(ExprPtr e, Node(Expr::kComprehension, open, std::move(children)));
      e->macro = macro;
      e->iter = std::move(iter);
      return e;
    }
    std::vector<ExprPtr> all;
    all.push_back(std::move(target));
    for (ExprPtr& a : args) all.push_back(std::move(a));
    return Call(fn, open, std::move(all), /*member=*/true);
  }

  Result<ExprPtr> ParsePrimary() {
    const Token t = Advance();
    switch (t.kind) {
      case Token::kInt: {
        if (t.uint_value > static_cast<uint64_t>(INT64_MAX)) {
          return Fail(At(t, "integer literal out of range"));
        }
        AIINFRA_TRY(ExprPtr e, Node(Expr::kInt, t));
        e->int_value = static_cast<int64_t>(t.uint_value);
        return e;
      }
      case Token::kUint: {
        AIINFRA_TRY(ExprPtr e, Node(Expr::kUint, t));
        e->uint_value = t.uint_value;
        return e;
      }
      case Token::kDouble: {
        AIINFRA_TRY(ExprPtr e, Node(Expr::kDouble, t));
        e->double_value = t.double_value;
        return e;
      }
      case Token::kString:
      case Token::kBytes: {
        AIINFRA_TRY(ExprPtr e, Node(t.kind == Token::kString ? Expr::kString : Expr::kBytes, t));
        e->name = t.text;
        return e;
      }
      case Token::kIdent: {
        if (t.text == "true" || t.text == "false") {
          AIINFRA_TRY(ExprPtr e, Node(Expr::kBool, t));
          e->bool_value = t.text == "true";
          return e;
        }
        if (t.text == "null") return Node(Expr::kNull, t);
        AIINFRA_CHECK_OK(CheckIdent(t));
        if (IsOp("(")) {
          const Token open = Advance();
          AIINFRA_TRY(std::vector<ExprPtr> args, ParseArgs(")"));
          if (t.text == "has") {
            if (args.size() != 1 || args[0]->kind != Expr::kSelect) {
              return Fail(At(open, "invalid argument to has() macro"));
            }
            ExprPtr select = std::move(args[0]);
            AIINFRA_TRY(ExprPtr e, Node(Expr::kHas, open, std::move(select->args)));
            e->name = select->name;
            return e;
          }
          return Call(t.text, open, std::move(args));
        }
        if (IsOp("{")) return Fail(At(Peek(), "message construction is not supported"));
        AIINFRA_TRY(ExprPtr e, Node(Expr::kIdent, t));
        e->name = t.text;
        return e;
      }
      case Token::kOp:
        if (t.text == "(") {
          AIINFRA_TRY(ExprPtr e, ParseExpr());
          AIINFRA_CHECK_OK(Expect(")"));
          return e;
        }
        if (t.text == "[") {
          AIINFRA_TRY(std::vector<ExprPtr> items, ParseArgs("]"));
          return Node(Expr::kList, t, std::move(items));
        }
        if (t.text == "{") return ParseMap(t);
        if (t.text == ".") {
          // A leading dot names the root scope: ".device".
          if (Peek().kind == Token::kIdent && !IsOp("(", 1)) {
            const Token name = Advance();
            AIINFRA_CHECK_OK(CheckIdent(name));
            AIINFRA_TRY(ExprPtr e, Node(Expr::kIdent, name));
            e->name = name.text;
            return e;
          }
        }
        return Fail(Unexpected(t));
      case Token::kEnd:
        return Fail(Unexpected(t));
    }
    return Fail(Unexpected(t));
  }

  Result<ExprPtr> ParseMap(const Token& open) {
    std::vector<ExprPtr> items;
    if (!IsOp("}")) {
      while (true) {
        if (IsOp("?")) return Fail(At(Peek(), "optional map entries are not supported"));
        AIINFRA_TRY(ExprPtr k, ParseExpr());
        AIINFRA_CHECK_OK(Expect(":"));
        AIINFRA_TRY(ExprPtr v, ParseExpr());
        items.push_back(std::move(k));
        items.push_back(std::move(v));
        if (!IsOp(",")) break;
        Advance();
        if (IsOp("}")) break;
      }
    }
    AIINFRA_CHECK_OK(Expect("}"));
    return Node(Expr::kMap, open, std::move(items));
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<ExprPtr> Parse(std::string_view source) {
  AIINFRA_TRY(std::vector<Token> tokens, Tokenize(source));
  return Parser(std::move(tokens)).Run();
}

}  // namespace aiinfra::dra::cel
