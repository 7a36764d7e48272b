// SessionSocketFrame decoding (session_frames.hpp).
#include "session_frames.hpp"

#include <cstdint>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

namespace hamd_c {

FrameKind decode_session_frame(const char *data, size_t size, hamd::v1::SessionResponse *response,
                               hamd::v1::SessionEnd *end) {
  using google::protobuf::internal::WireFormatLite;
  if (size > static_cast<size_t>(INT32_MAX)) return FrameKind::MALFORMED;
  const auto *bytes = reinterpret_cast<const uint8_t *>(data);
  google::protobuf::io::CodedInputStream in(bytes, static_cast<int>(size));
  // The frame's fields: `response` = 1 and `end` = 2, both length-delimited, of a oneof (the
  // last one wins, as protobuf's parser would have it); others are skipped.
  int field = 0;
  const uint8_t *body = nullptr;
  uint32_t body_size = 0;
  for (uint32_t tag; (tag = in.ReadTag()) != 0;) {
    const int number = static_cast<int>(WireFormatLite::GetTagFieldNumber(tag));
    if ((number == 1 || number == 2) &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length;
      if (!in.ReadVarint32(&length)) return FrameKind::MALFORMED;
      const int offset = in.CurrentPosition();
      if (length > size - static_cast<size_t>(offset) || !in.Skip(static_cast<int>(length)))
        return FrameKind::MALFORMED;
      field = number;
      body = bytes + offset;
      body_size = length;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return FrameKind::MALFORMED;
    }
  }
  if (!in.ConsumedEntireMessage()) return FrameKind::MALFORMED;
  if (field == 1)
    return response->ParseFromArray(body, static_cast<int>(body_size)) ? FrameKind::RESPONSE : FrameKind::MALFORMED;
  if (field == 2)
    return end->ParseFromArray(body, static_cast<int>(body_size)) ? FrameKind::END : FrameKind::MALFORMED;
  return FrameKind::MALFORMED;
}

}  // namespace hamd_c
