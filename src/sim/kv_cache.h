// The paged KV cache of one replica, with automatic prefix caching, as vLLM V1's KVCacheManager
// keeps it: a fixed pool of blocks of `block_size` tokens; a sequence holds the blocks covering
// its computed tokens; a block that is full and whose content is known (a block hash) is
// registered so that a later sequence with the same prefix reuses it instead of recomputing it.
//
// Freed blocks keep their content: they go to the tail of the free queue and stay findable by
// hash until they are handed out again (eviction takes the head: least recently freed first).
// A hit on a free block takes it back out of the queue. Reference counts let many running
// sequences share one cached block.
//
// Block ids are dense ints in [0, num_blocks). All operations are O(blocks touched).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace aiinfra::sim {

class KvCache {
 public:
  KvCache(int64_t num_blocks, int block_size, bool prefix_caching);

  int block_size() const { return block_size_; }
  int64_t num_blocks() const { return static_cast<int64_t>(blocks_.size()); }
  // Blocks that can be handed out now: free ones, cached or not.
  int64_t free_blocks() const { return free_count_; }
  // Share of blocks held by sequences (vLLM's kv_cache_usage_perc, as a fraction).
  double usage() const;

  // The longest run of leading `hashes` whose blocks are cached, at most `max_blocks` long.
  // Does not take them: see Take.
  int64_t CachedPrefix(const std::vector<uint64_t>& hashes, int64_t max_blocks) const;
  // How many of the first `count` hashes' cached blocks sit in the free queue (taking them
  // makes that many fewer blocks free).
  int64_t FreeAmongCached(const std::vector<uint64_t>& hashes, int64_t count) const;
  // Takes the blocks of the first `count` hashes (all cached: count <= CachedPrefix) for one
  // sequence, appending their ids to `held`.
  void TakeCached(const std::vector<uint64_t>& hashes, int64_t count, std::vector<int32_t>& held);

  // Appends `count` fresh blocks to `held`, evicting cached content as needed. false (and
  // nothing taken) when fewer than `count` blocks are free.
  bool Allocate(int64_t count, std::vector<int32_t>& held);

  // Registers block `block` (held, now full) as holding the content `hash`, so that later
  // sequences find it. A hash already registered to another block keeps the first one.
  void Register(int32_t block, uint64_t hash);

  // Releases every block of `held` (in order: the sequence's last blocks are evicted first, as
  // vLLM frees them in reverse) and clears it.
  void Free(std::vector<int32_t>& held);

  // Prefix-cache counters, as vLLM's prefix_cache_queries/hits (in tokens).
  int64_t queried_tokens = 0;
  int64_t hit_tokens = 0;

 private:
  static constexpr int32_t kNone = -1;
  struct Block {
    int32_t refs = 0;
    int32_t prev = kNone, next = kNone;  // free-queue links
    bool in_queue = false;
    std::optional<uint64_t> hash;
  };
  void PushBack(int32_t b);
  void Unlink(int32_t b);
  int32_t PopFront();

  int block_size_;
  bool prefix_caching_;
  std::vector<Block> blocks_;
  int32_t head_ = kNone, tail_ = kNone;
  int64_t free_count_ = 0;
  // Block hash -> block, open addressing with linear probing: the simulator registers and evicts
  // tens of millions of blocks, and a node-based map spent most of the run in malloc. Holds at
  // most one entry per block; sized to twice the blocks, rebuilt when tombstones pile up.
  class HashIndex {
   public:
    explicit HashIndex(size_t blocks);
    // The block holding `hash`, or kNone.
    int32_t Find(uint64_t hash) const;
    // Adds hash -> block unless `hash` is present; whether it was added.
    bool Insert(uint64_t hash, int32_t block);
    // Removes `hash` if it maps to `block`.
    void Erase(uint64_t hash, int32_t block);

   private:
    struct Slot {
      uint64_t hash = 0;
      int32_t block = kNone;  // kNone: empty; kTomb: erased
    };
    static constexpr int32_t kTomb = -2;
    size_t Home(uint64_t hash) const;
    void Rebuild();
    std::vector<Slot> slots_;
    size_t mask_ = 0, used_ = 0, tombs_ = 0;
  };
  HashIndex by_hash_;
};

}  // namespace aiinfra::sim
