// The core's JSON reader (core/io/json.hpp), which reads the metadata of model files:
// values of every type, escapes, number syntax, dotted names of numbers, and malformed or
// hostile text refused with InvalidArgument naming the offset.
#include <string>

#include "core/base/errors.hpp"
#include "core/io/json.hpp"
#include "native/check.hpp"

using namespace hamd;

namespace {

std::string error_of(const std::string& text) {
    try {
        parse_json(text, "doc");
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    return "";
}

}  // namespace

int main() {
    const JsonValue v = parse_json(
        " {\"a\": 1, \"b\": [true, false, null, -2.5e-3], \"c\": {\"d\": \"x\\u00e9\\n\\\"\", \"e\": 1E2}, \"f\": \"\\ud83d\\ude00\"} ");
    check::ok(v.type == JsonValue::Type::Object && v.object.size() == 4, "object with four members, in order");
    check::ok(v.find("a") && v.find("a")->number == 1.0 && !v.find("zz"), "find: a number member; absent member is null");
    const JsonValue* b = v.find("b");
    check::ok(b && b->array.size() == 4 && b->array[0].boolean && !b->array[1].boolean &&
                  b->array[2].type == JsonValue::Type::Null && b->array[3].number == -2.5e-3,
              "array of true, false, null, -2.5e-3");
    check::ok(v.find("c")->find("d")->string == "x\xc3\xa9\n\"", "escapes: \\u00e9 as UTF-8, \\n, \\\"");
    check::ok(v.find("f")->string == "\xf0\x9f\x98\x80", "a surrogate pair becomes one 4-byte UTF-8 character");
    const auto numbers = json_numbers(v);
    check::ok(numbers == std::vector<std::pair<std::string, double>>{{"a", 1}, {"b.3", -2.5e-3}, {"c.e", 100}},
              "json_numbers: every number by its dotted path, in document order");

    struct Bad { const char* text; const char* message; };
    for (const Bad& bad : {Bad{"", "unexpected end"}, Bad{"{\"a\": }", "expected a value"}, Bad{"[1, 2", "expected ']'"},
                           Bad{"{\"a\" 1}", "expected ':'"}, Bad{"\"abc", "unterminated string"}, Bad{"tru", "expected true"},
                           Bad{"1.", "digits after '.'"}, Bad{"{} x", "unexpected text"}, Bad{"\"\\q\"", "bad escape"},
                           Bad{"\"a\nb\"", "control character"}, Bad{"{1: 2}", "member name"}}) {
        const std::string message = error_of(bad.text);
        std::string shown = bad.text;  // one TAP line: show a newline as \n
        for (size_t at = shown.find('\n'); at != std::string::npos; at = shown.find('\n')) shown.replace(at, 1, "\\n");
        check::ok(message.find(bad.message) != std::string::npos && message.find("doc: ") == 0 &&
                      message.find(" at offset ") != std::string::npos,
                  "malformed '" + shown + "': InvalidArgument", message);
    }
    check::ok(error_of(std::string(200, '[') + std::string(200, ']')).find("nesting deeper") != std::string::npos,
              "nesting deeper than 128 levels is refused (no stack exhaustion)");
    check::ok(error_of(std::string(100, '[') + std::string(100, ']')).empty(), "100 levels of nesting are fine");
    return check::finish();
}
