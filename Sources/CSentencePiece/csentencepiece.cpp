#include "csentencepiece.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <cstring>
#include <string>
#include <vector>

struct tablm_sp_processor {
    sentencepiece::SentencePieceProcessor processor;
};

static char *copy_string(const std::string &text, size_t *length) {
    char *result = static_cast<char *>(std::malloc(text.size() + 1));
    if (result == nullptr) return nullptr;
    std::memcpy(result, text.data(), text.size());
    result[text.size()] = '\0';
    if (length != nullptr) *length = text.size();
    return result;
}

static void set_error(char **error, const std::string &message) {
    if (error != nullptr) *error = copy_string(message, nullptr);
}

extern "C" {

tablm_sp_processor *tablm_sp_load(const char *model, size_t model_length, char **error) {
    auto *wrapper = new tablm_sp_processor();
    auto status = wrapper->processor.LoadFromSerializedProto(std::string(model, model_length));
    if (!status.ok()) {
        set_error(error, status.ToString());
        delete wrapper;
        return nullptr;
    }
    return wrapper;
}

void tablm_sp_free(tablm_sp_processor *processor) { delete processor; }
void tablm_sp_free_string(char *string) { std::free(string); }

int32_t tablm_sp_piece_count(const tablm_sp_processor *p) { return p->processor.GetPieceSize(); }
int32_t tablm_sp_unk_id(const tablm_sp_processor *p) { return p->processor.unk_id(); }
int32_t tablm_sp_bos_id(const tablm_sp_processor *p) { return p->processor.bos_id(); }
int32_t tablm_sp_eos_id(const tablm_sp_processor *p) { return p->processor.eos_id(); }
int32_t tablm_sp_pad_id(const tablm_sp_processor *p) { return p->processor.pad_id(); }
int tablm_sp_is_control(const tablm_sp_processor *p, int32_t id) { return p->processor.IsControl(id) ? 1 : 0; }

char *tablm_sp_id_to_piece(const tablm_sp_processor *p, int32_t id, size_t *length) {
    return copy_string(p->processor.IdToPiece(id), length);
}

int32_t tablm_sp_piece_to_id(const tablm_sp_processor *p, const char *piece, size_t length) {
    return p->processor.PieceToId(std::string(piece, length));
}

int64_t tablm_sp_encode(const tablm_sp_processor *p, const char *text, size_t length, int32_t *ids,
                        size_t capacity, char **error) {
    std::vector<int> result;
    auto status = p->processor.Encode(std::string(text, length), &result);
    if (!status.ok()) {
        set_error(error, status.ToString());
        return -1;
    }
    for (size_t i = 0; i < result.size() && i < capacity; ++i) ids[i] = result[i];
    return static_cast<int64_t>(result.size());
}

char *tablm_sp_decode(const tablm_sp_processor *p, const int32_t *ids, size_t count, size_t *length,
                      char **error) {
    std::vector<int> input(ids, ids + count);
    std::string text;
    auto status = p->processor.Decode(input, &text);
    if (!status.ok()) {
        set_error(error, status.ToString());
        return nullptr;
    }
    return copy_string(text, length);
}

namespace {
class VectorSentenceIterator : public sentencepiece::SentenceIterator {
  public:
    explicit VectorSentenceIterator(std::vector<std::string> sentences) : sentences_(std::move(sentences)) {}
    bool done() const override { return index_ >= sentences_.size(); }
    void Next() override { ++index_; }
    const std::string &value() const override { return sentences_[index_]; }
    sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }

  private:
    std::vector<std::string> sentences_;
    size_t index_ = 0;
};
}  // namespace

int tablm_sp_train(const char *args, const char *const *sentences, const size_t *lengths, size_t count,
                   char **model, size_t *model_length, char **error) {
    std::vector<std::string> corpus;
    corpus.reserve(count);
    for (size_t i = 0; i < count; ++i) corpus.emplace_back(sentences[i], lengths[i]);
    VectorSentenceIterator iterator(std::move(corpus));
    std::string serialized;
    // The trainer logs every step to stderr; hide that while it runs (its status says what failed).
    std::cerr.flush();
    std::fflush(stderr);
    int saved_stderr = dup(2);
    int null_fd = open("/dev/null", O_WRONLY);
    if (saved_stderr >= 0 && null_fd >= 0) dup2(null_fd, 2);
    if (null_fd >= 0) close(null_fd);
    auto status = sentencepiece::SentencePieceTrainer::Train(args, &iterator, &serialized);
    std::cerr.flush();
    std::fflush(stderr);
    if (saved_stderr >= 0) {
        dup2(saved_stderr, 2);
        close(saved_stderr);
    }
    if (!status.ok()) {
        set_error(error, status.ToString());
        return 1;
    }
    *model = copy_string(serialized, model_length);
    return 0;
}

}  // extern "C"
