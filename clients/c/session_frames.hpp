// The messages of the framed session transport (proto/hamd/v1/hamd.proto, SessionSocketFrame):
// the daemon's frame decoded straight into the caller's reused SessionResponse (the object the
// gRPC stream reads into) or SessionEnd, without a SessionSocketFrame in between.
#pragma once
#include <cstddef>

#include "hamd/v1/hamd.pb.h"

namespace hamd_c {

enum class FrameKind { RESPONSE, END, MALFORMED };

// Decodes the bytes of one SessionSocketFrame: RESPONSE (into *response) or END (into *end);
// MALFORMED when they do not parse or carry neither.
FrameKind decode_session_frame(const char *data, size_t size, hamd::v1::SessionResponse *response,
                               hamd::v1::SessionEnd *end);

}  // namespace hamd_c
