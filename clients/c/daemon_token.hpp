// The token and TLS certificate of a TCP daemon. The token it requires on every call (metadata "authorization: Bearer TOKEN"; docs/cli.md,
// "Token and TLS (TCP)"): $HAMD_TOKEN, else the file $HAMD_TOKEN_FILE, else $XDG_CONFIG_HOME/hamd/token,
// else $HOME/.config/hamd/token. Unix sockets need none.
#pragma once
#include <string>

namespace hamd_c {

// The token, or "" when none is set or readable (the daemon then answers UNAUTHENTICATED,
// saying where its token is).
std::string daemon_token();

// The certificate (PEM) a client trusts for a TCP daemon, which speaks TLS: $HAMD_TLS_CERT, else
// cert.pem beside the token file; "" when unreadable. `path` gets the file it looked at.
std::string daemon_certificate(std::string *path);

}  // namespace hamd_c
