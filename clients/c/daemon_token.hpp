// The token a TCP daemon requires on every call (metadata "authorization: Bearer TOKEN"; docs/cli.md,
// "Token (TCP)"): $HAMD_TOKEN, else the file $HAMD_TOKEN_FILE, else $XDG_CONFIG_HOME/hamd/token,
// else $HOME/.config/hamd/token. Unix sockets need none.
#pragma once
#include <string>

namespace hamd_c {

// The token, or "" when none is set or readable (the daemon then answers UNAUTHENTICATED,
// saying where its token is).
std::string daemon_token();

}  // namespace hamd_c
