// OpenSSL's libcrypto (Debian: libssl-dev): its assembly ChaCha20 produces DP-SGD's keystream.
#include <openssl/evp.h>
