// A small C interface over SentencePiece's C++ API (Debian's libsentencepiece-dev), so that Swift
// code never needs C++ interoperability. Strings are UTF-8 with explicit lengths; strings returned
// through `char **` are malloc'd and freed with tablm_sp_free_string.
#ifndef CSENTENCEPIECE_H
#define CSENTENCEPIECE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tablm_sp_processor tablm_sp_processor;

/// Loads a serialized ModelProto. Returns NULL and sets *error on failure.
tablm_sp_processor *tablm_sp_load(const char *model, size_t model_length, char **error);
void tablm_sp_free(tablm_sp_processor *processor);
void tablm_sp_free_string(char *string);

int32_t tablm_sp_piece_count(const tablm_sp_processor *processor);
int32_t tablm_sp_unk_id(const tablm_sp_processor *processor);
int32_t tablm_sp_bos_id(const tablm_sp_processor *processor);
int32_t tablm_sp_eos_id(const tablm_sp_processor *processor);
int32_t tablm_sp_pad_id(const tablm_sp_processor *processor);
/// 1 for control pieces (<s>, </s>, <pad>), else 0.
int tablm_sp_is_control(const tablm_sp_processor *processor, int32_t id);
/// The piece's text (with U+2581 for spaces) as a malloc'd string; its length in *length.
char *tablm_sp_id_to_piece(const tablm_sp_processor *processor, int32_t id, size_t *length);
/// The id of a piece, or the unknown id.
int32_t tablm_sp_piece_to_id(const tablm_sp_processor *processor, const char *piece, size_t length);

/// Encodes text into ids. Writes at most `capacity` ids; returns how many the text needs
/// (call again with a larger buffer when that exceeds `capacity`), or -1 with *error set.
int64_t tablm_sp_encode(const tablm_sp_processor *processor, const char *text, size_t length,
                        int32_t *ids, size_t capacity, char **error);
/// Decodes ids into malloc'd text (length in *length), or NULL with *error set.
char *tablm_sp_decode(const tablm_sp_processor *processor, const int32_t *ids, size_t count,
                      size_t *length, char **error);

/// Trains a model with spm_train-style flags (`args`) on the given sentences, in memory.
/// On success returns 0 and a malloc'd serialized ModelProto in *model / *model_length.
int tablm_sp_train(const char *args, const char *const *sentences, const size_t *lengths, size_t count,
                   char **model, size_t *model_length, char **error);

#ifdef __cplusplus
}
#endif

#endif
