// OpenSSL's libcrypto (Debian: libssl-dev): its assembly ChaCha20 produces DP-SGD's keystream,
// its SHA-256 the content hashes of tables, schemas and tokenizers.
#include <openssl/evp.h>
