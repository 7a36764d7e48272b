// A small JSON reader for the metadata that hamd itself writes into model files (provenance,
// hyper-parameters, validation metrics). Enough of RFC 8259 for that: objects, arrays,
// strings with escapes (\uXXXX as UTF-8, surrogate pairs included), numbers, true/false/null.
// Numbers are doubles. Object members keep their order.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace hamd {

struct JsonValue {
    enum class Type { Null, Boolean, Number, String, Array, Object };
    Type type = Type::Null;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<JsonValue> array;
    std::vector<std::pair<std::string, JsonValue>> object;

    // The member `key` of an object, or nullptr (also when this is not an object).
    const JsonValue* find(const std::string& key) const;
};

// Throws InvalidArgument("<what>: ... at offset N") for malformed text.
JsonValue parse_json(const std::string& text, const std::string& what = "JSON");

// Every finite number under `value`, named by its dotted path from `value` ("a.b.c";
// array elements by index: "a.0"), in document order.
std::vector<std::pair<std::string, double>> json_numbers(const JsonValue& value);

}  // namespace hamd
