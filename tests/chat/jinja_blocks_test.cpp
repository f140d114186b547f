// The filters truncate, wordwrap and groupby and the {% call %} block. The
// expected texts and errors are what Jinja 3.1.6 gives in transformers'
// environment (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "loaders/chat/chat_template.h"
#include "loaders/chat/error.h"

namespace vkllm::chat {
namespace {

using json = nlohmann::ordered_json;

std::string render(const std::string& src, const json& vars = json::object()) {
  ChatTemplate t(src, {});
  RenderOptions opt;
  opt.extra = &vars;
  return t.render(json::array(), opt);
}

struct Failure {
  int line = 0, col = 0;
  std::string what = "(no error)";
};

Failure failure(const std::string& src, const json& vars = json::object()) {
  try {
    render(src, vars);
  } catch (const TemplateError& e) {
    return {e.line(), e.col(), e.what()};
  }
  return {};
}

TEST(JinjaTruncate, CutsAtWordsWithLeeway) {
  EXPECT_EQ(
      render("{{ 'foo bar baz qux' | truncate(9) }}|{{ 'foo bar baz qux' | truncate(9, True) }}|"
             "{{ 'foo bar baz qux' | truncate(11) }}|"
             "{{ 'foo bar baz qux' | truncate(11, False, '...', 0) }}"),
      "foo...|foo ba...|foo bar baz qux|foo bar...");
  // Lengths count code points; a cut with no space before it drops everything.
  const json v = {{"s", "héllo wörld, ça va? héllo wörld, ça va?"}};
  EXPECT_EQ(render("{{ s | truncate }}|{{ s | truncate(10, end='…') }}|"
                   "{{ s | truncate(10, killwords=true, end='', leeway=0) }}",
                   v),
            "héllo wörld, ça va? héllo wörld, ça va?|héllo…|héllo wörl");
  EXPECT_EQ(
      render("{{ 'abcdefghijklmnop' | truncate(5, leeway=0) }}|{{ 'abc' | truncate(3, leeway=0) }}|"
             "{{ ' abcdefgh' | truncate(6, leeway=0) }}|{{ missing | truncate }}|"),
      "ab...|abc|...||");
}

TEST(JinjaTruncate, MisuseNamesPosition) {
  auto f = failure("x\n  {{ 'abc' | truncate(2) }}");
  EXPECT_EQ(f.line, 2);
  EXPECT_EQ(f.col, 12);
  EXPECT_EQ(f.what, "chat template: line 2, column 12: truncate: expected length >= 3, got 2");
  f = failure("{{ 'abc' | truncate(5, leeway=-1) }}");
  EXPECT_NE(f.what.find("line 1, column 10: truncate: expected leeway >= 0, got -1"),
            std::string::npos)
      << f.what;
  f = failure("{{ 5 | truncate }}");
  EXPECT_NE(f.what.find("column 6: truncate: expected a string, found int"), std::string::npos)
      << f.what;
  f = failure("{{ 'abc' | truncate('5') }}");
  EXPECT_NE(f.what.find("truncate: length must be an integer, found str"), std::string::npos)
      << f.what;
}

TEST(JinjaWordwrap, WrapsLikePythonTextwrap) {
  EXPECT_EQ(render("{{ 'Look, goof-ball -- use the -b option!' | wordwrap(10) }}"),
            "Look,\ngoof-ball\n-- use the\n-b option!");
  // Paragraphs wrap separately; tabs and runs of spaces stay inside lines.
  const json v = {{"s",
                   "The quick brown fox jumps over the lazy dog.\n\nSecond   paragraph\there with "
                   "tabs and a verylongwordthatdoesnotfit."}};
  EXPECT_EQ(render("{{ s | wordwrap(12) }}", v),
            "The quick\nbrown fox\njumps over\nthe lazy\ndog.\n\nSecond\nparagraph\nhere "
            "with\ntabs and a v\nerylongwordt\nhatdoesnotfi\nt.");
  EXPECT_EQ(render("{{ s | wordwrap(12, false) }}", v),
            "The quick\nbrown fox\njumps over\nthe lazy\ndog.\n\nSecond\nparagraph\nhere "
            "with\ntabs and a\nverylongwordthatdoesnotfit.");
  // Leading spaces of the text stay; \r\n, \r and U+2028 end lines too.
  EXPECT_EQ(render("{{ s | wordwrap(5, wrapstring='|') }}",
                   {{"s", "  leading spaces and trailing   \r\nwindows\rmac\u2028sep"}}),
            "  lea|ding |space|s and|trail|ing|windo|ws|mac|sep");
  EXPECT_EQ(render("{{ 'pre-processing well-known x--y a-b-c-d' | wordwrap(6) }}"),
            "pre-pr\nocessi\nng\nwell-\nknown\nx--y\na-b-\nc-d");
  EXPECT_EQ(render("{{ 'aaaa-bbbb-cccc-dddd' | wordwrap(7) }}|{{ '----abc' | wordwrap(3) }}|"
                   "{{ 'héllo wörld ça' | wordwrap(5) }}"),
            "aaaa-\nbbbb-\ncccc-\ndddd|---\n-ab\nc|héllo\nwörld\nça");
  EXPECT_EQ(render("{{ s | wordwrap }}",
                   {{"s",
                     "This is a long sentence meant to exceed the default width of seventy-nine "
                     "characters, wrapping once."}}),
            "This is a long sentence meant to exceed the default width of seventy-nine\n"
            "characters, wrapping once.");
  EXPECT_EQ(render("{{ '' | wordwrap(0) }}|"), "|");
}

TEST(JinjaWordwrap, MisuseNamesPosition) {
  auto f = failure("{% if true %}\n{{ 'a' | wordwrap(0) }}{% endif %}");
  EXPECT_EQ(f.what, "chat template: line 2, column 8: wordwrap: invalid width 0 (must be > 0)");
  f = failure("{{ none | wordwrap }}");
  EXPECT_NE(f.what.find("column 9: wordwrap: expected a string, found NoneType"), std::string::npos)
      << f.what;
  f = failure("{{ x | wordwrap }}");
  EXPECT_NE(f.what.find("'x' is undefined"), std::string::npos) << f.what;
  f = failure("{{ 'a' | wordwrap(5, wrapstring=1) }}");
  EXPECT_NE(f.what.find("wordwrap: wrapstring must be a string, found int"), std::string::npos)
      << f.what;
}

TEST(JinjaGroupby, SortsThenGroups) {
  const json v = {{"xs",
                   {{{"role", "user"}, {"n", 1}},
                    {{"role", "Assistant"}, {"n", 2}},
                    {{"role", "assistant"}, {"n", 3}},
                    {{"role", "User"}, {"n", 4}}}}};
  // Case-insensitive by default; the grouper is the first item's value.
  EXPECT_EQ(render("{% for g, items in xs | groupby('role') %}{{ g }}:"
                   "{{ items | map(attribute='n') | join(',') }};{% endfor %}",
                   v),
            "Assistant:2,3;user:1,4;");
  EXPECT_EQ(render("{% for g in xs | groupby('role', case_sensitive=true) %}{{ g.grouper }}:"
                   "{{ g.list | map(attribute='n') | join(',') }};{% endfor %}",
                   v),
            "Assistant:2;User:4;assistant:3;user:1;");
  EXPECT_EQ(render("{{ xs | groupby('a.b', default='zz') }}",
                   {{"xs", json::parse(R"([{"a": {"b": "y"}}, {"a": {}}, {"c": 1},
                                           {"a": {"b": "x"}}])")}}),
            "[('x', [{'a': {'b': 'x'}}]), ('y', [{'a': {'b': 'y'}}]), ('zz', [{'a': {}}, {'c': "
            "1}])]");
  // Index attributes; 1 and 1.0 are one group; groups index like tuples.
  EXPECT_EQ(render("{{ xs | groupby(0) | list }}|{{ (xs | groupby(1))[0].grouper }}|"
                   "{{ (xs | groupby(1))[0][1] }}",
                   {{"xs", json::parse(R"([[2, "a"], [1, "b"], [2, "c"], [1.0, "a"]])")}}),
            "[(1, [[1, 'b'], [1.0, 'a']]), (2, [[2, 'a'], [2, 'c']])]|a|[[2, 'a'], [1.0, 'a']]");
  EXPECT_EQ(
      render("{{ [] | groupby('a') }}|{{ x | groupby('a') }}|{{ [3, 1, 3] | groupby(none) }}"),
      "[]|[]|[(1, [1]), (3, [3, 3])]");
  EXPECT_EQ(render("{{ (xs | groupby('r'))[0] | tojson }} "
                   "{{ xs | groupby('r') | map(attribute='grouper') | list }}",
                   {{"xs", json::parse(R"([{"r": "b"}, {"r": "a"}])")}}),
            "[\"a\", [{\"r\": \"a\"}]] ['a', 'b']");
}

TEST(JinjaGroupby, MisuseNamesPosition) {
  auto f = failure("\n{{ xs | groupby('k') }}", {{"xs", json::parse(R"([{"k": 1}, {"j": 2}])")}});
  EXPECT_EQ(f.what,
            "chat template: line 2, column 7: groupby: item 1 has no attribute 'k' (give a "
            "default=...)");
  f = failure("{{ xs | groupby('k') }}", {{"xs", json::parse(R"([{"k": 1}, {"k": "a"}])")}});
  EXPECT_NE(f.what.find("column 7: groupby: cannot sort by 'k': '<' not supported between "
                        "instances of 'str' and 'int'"),
            std::string::npos)
      << f.what;
  f = failure("{{ [1] | groupby }}");
  EXPECT_NE(f.what.find("column 8: groupby: missing the attribute to group by"), std::string::npos)
      << f.what;
  f = failure("{{ 3 | groupby('a') }}");
  EXPECT_NE(f.what.find("'int' object is not iterable"), std::string::npos) << f.what;
}

TEST(JinjaCallBlock, PassesItsBodyAsCaller) {
  EXPECT_EQ(
      render("{% macro dialog(title) %}<{{ title }}>{{ caller() }}</{{ title }}>{% endmacro %}"
             "{% call dialog('t') %}body {{ 1 + 1 }}{% endcall %}"),
      "<t>body 2</t>");
  EXPECT_EQ(render("{% macro each(xs) %}{% for x in xs %}[{{ caller(x, loop.index) }}]{% endfor %}"
                   "{% endmacro %}{% call(item, i=0) each(['a', 'b']) %}{{ i }}{{ item | upper }}"
                   "{% endcall %}"),
            "[1A][2B]");
  // The body sees the call site's variables, not the macro's parameters.
  EXPECT_EQ(render("{% set title = 'outer' %}{% macro m(title) %}{{ title }}:{{ caller() }}"
                   "{% endmacro %}{% call m('inner') %}{{ title }}{% endcall %}"),
            "inner:outer");
  EXPECT_EQ(render("{% macro outer() %}({{ caller() }}){% endmacro %}"
                   "{% macro inner() %}[{{ caller() }}]{% endmacro %}"
                   "{% call outer() %}{% call inner() %}x{% endcall %}{% endcall %}"),
            "([x])");
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% macro m() %}{{ caller() }}{{ caller() }}"
                   "{% endmacro %}{% call m() %}{% set ns.n = ns.n + 1 %}{{ ns.n }}{% endcall %}"),
            "12");
  EXPECT_EQ(render("{% macro m() %}\n  {{- caller() -}}\n{% endmacro %}\n"
                   "{% call m() %}\n  hello\n{% endcall %}\nend"),
            "  hello\nend");
}

TEST(JinjaCallBlock, MisuseNamesPosition) {
  auto f = failure("{% macro m() %}{{ caller() }}{% endmacro %}\n{% call m %}x{% endcall %}");
  EXPECT_EQ(f.what,
            "chat template: line 2, column 9: expected a macro call after 'call', as in "
            "{% call m() %}");
  f = failure("{% call(x) (m.role | length) %}{% endcall %}");
  EXPECT_EQ(f.line, 1);
  EXPECT_EQ(f.col, 12);
  f = failure("{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}x");
  EXPECT_NE(f.what.find("unexpected end of template: expected 'endcall'"), std::string::npos)
      << f.what;
  // A macro called without a call block has no caller.
  f = failure("{% macro m() %}\n  {{ caller() }}{% endmacro %}{{ m() }}");
  EXPECT_EQ(f.what, "chat template: line 2, column 12: 'caller' is undefined");
  f = failure("{% macro m() %}{{ caller(1) }}{% endmacro %}{% call m() %}x{% endcall %}");
  EXPECT_EQ(f.what, "chat template: line 1, column 25: caller() takes 0 argument(s), 1 given");
}

}  // namespace
}  // namespace vkllm::chat
