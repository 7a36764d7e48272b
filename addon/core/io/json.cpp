#include "core/io/json.hpp"

#include <cmath>
#include <cstdlib>

#include "core/base/errors.hpp"

namespace hamd {

namespace {

class Parser {
public:
    Parser(const std::string& text, const std::string& what) : text_(text), what_(what) {}

    JsonValue document() {
        JsonValue value = parse_value(0);
        skip_space();
        if (pos_ != text_.size()) fail("unexpected text after the value");
        return value;
    }

private:
    static constexpr int kMaxDepth = 128;  // metadata is shallow; deep nesting is an attack

    [[noreturn]] void fail(const std::string& message) const {
        throw InvalidArgument(what_ + ": " + message + " at offset " + std::to_string(pos_));
    }

    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t'))
            ++pos_;
    }

    bool take(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    void expect(char c) {
        if (!take(c)) fail(std::string("expected '") + c + "'");
    }

    void literal(const char* word) {
        for (const char* p = word; *p; ++p, ++pos_)
            if (pos_ >= text_.size() || text_[pos_] != *p) fail(std::string("expected ") + word);
    }

    JsonValue parse_value(int depth) {
        if (depth > kMaxDepth) fail("nesting deeper than 128 levels");
        skip_space();
        if (pos_ >= text_.size()) fail("unexpected end of text");
        JsonValue value;
        const char c = text_[pos_];
        if (c == '{') {
            ++pos_;
            value.type = JsonValue::Type::Object;
            if (take('}')) return value;
            do {
                skip_space();
                if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a member name");
                std::string key = parse_string();
                expect(':');
                value.object.emplace_back(std::move(key), parse_value(depth + 1));
            } while (take(','));
            expect('}');
        } else if (c == '[') {
            ++pos_;
            value.type = JsonValue::Type::Array;
            if (take(']')) return value;
            do value.array.push_back(parse_value(depth + 1));
            while (take(','));
            expect(']');
        } else if (c == '"') {
            value.type = JsonValue::Type::String;
            value.string = parse_string();
        } else if (c == 't') {
            literal("true");
            value.type = JsonValue::Type::Boolean;
            value.boolean = true;
        } else if (c == 'f') {
            literal("false");
            value.type = JsonValue::Type::Boolean;
        } else if (c == 'n') {
            literal("null");
        } else {
            value.type = JsonValue::Type::Number;
            value.number = parse_number();
        }
        return value;
    }

    double parse_number() {
        const size_t start = pos_;
        if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
        auto digits = [&] {
            const size_t from = pos_;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
            return pos_ > from;
        };
        if (!digits()) fail("expected a value");
        if (pos_ < text_.size() && text_[pos_] == '.') {
            ++pos_;
            if (!digits()) fail("expected digits after '.'");
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            if (!digits()) fail("expected an exponent");
        }
        return std::strtod(text_.substr(start, pos_ - start).c_str(), nullptr);
    }

    unsigned hex4() {
        if (pos_ + 4 > text_.size()) fail("truncated \\u escape");
        unsigned code = 0;
        for (int k = 0; k < 4; ++k) {
            const char h = text_[pos_++];
            code <<= 4;
            if (h >= '0' && h <= '9') code |= h - '0';
            else if (h >= 'a' && h <= 'f') code |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') code |= h - 'A' + 10;
            else fail("bad hex digit in \\u escape");
        }
        return code;
    }

    static void append_utf8(std::string& out, unsigned code) {
        if (code < 0x80) {
            out.push_back(static_cast<char>(code));
        } else if (code < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (code >> 6)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else if (code < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (code >> 12)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (code >> 18)));
            out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        }
    }

    std::string parse_string() {
        ++pos_;  // opening quote
        std::string out;
        for (;;) {
            if (pos_ >= text_.size()) fail("unterminated string");
            const char c = text_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (pos_ >= text_.size()) fail("unterminated escape");
            const char e = text_[pos_++];
            switch (e) {
                case '"': out.push_back('"'); break;
                case '\\': out.push_back('\\'); break;
                case '/': out.push_back('/'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'n': out.push_back('\n'); break;
                case 'r': out.push_back('\r'); break;
                case 't': out.push_back('\t'); break;
                case 'u': {
                    unsigned code = hex4();
                    if (code >= 0xD800 && code < 0xDC00 && pos_ + 6 <= text_.size() && text_[pos_] == '\\' &&
                        text_[pos_ + 1] == 'u') {
                        pos_ += 2;
                        const unsigned low = hex4();
                        if (low < 0xDC00 || low >= 0xE000) fail("bad surrogate pair");
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    }
                    append_utf8(out, code);
                    break;
                }
                default: fail(std::string("bad escape \\") + e);
            }
        }
    }

    const std::string& text_;
    const std::string& what_;
    size_t pos_ = 0;
};

void collect_numbers(const JsonValue& value, const std::string& path, std::vector<std::pair<std::string, double>>& out) {
    switch (value.type) {
        case JsonValue::Type::Number:
            if (std::isfinite(value.number)) out.emplace_back(path, value.number);
            break;
        case JsonValue::Type::Object:
            for (const auto& [key, child] : value.object) collect_numbers(child, path.empty() ? key : path + "." + key, out);
            break;
        case JsonValue::Type::Array:
            for (size_t k = 0; k < value.array.size(); ++k)
                collect_numbers(value.array[k], path.empty() ? std::to_string(k) : path + "." + std::to_string(k), out);
            break;
        default: break;
    }
}

}  // namespace

const JsonValue* JsonValue::find(const std::string& key) const {
    if (type != Type::Object) return nullptr;
    for (const auto& [name, value] : object)
        if (name == key) return &value;
    return nullptr;
}

JsonValue parse_json(const std::string& text, const std::string& what) { return Parser(text, what).document(); }

std::vector<std::pair<std::string, double>> json_numbers(const JsonValue& value) {
    std::vector<std::pair<std::string, double>> out;
    collect_numbers(value, "", out);
    return out;
}

}  // namespace hamd
