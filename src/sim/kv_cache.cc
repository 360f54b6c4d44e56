#include "sim/kv_cache.h"

#include <algorithm>

namespace aiinfra::sim {

KvCache::HashIndex::HashIndex(size_t blocks) {
  size_t capacity = 16;
  while (capacity < 2 * blocks + 16) capacity *= 2;
  slots_.resize(capacity);
  mask_ = capacity - 1;
}

size_t KvCache::HashIndex::Home(uint64_t hash) const {
  // The workload's hashes are well mixed already; mixing again costs little and protects the
  // probe sequences from structured ones (tests use small consecutive numbers).
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdull;
  hash ^= hash >> 33;
  return static_cast<size_t>(hash) & mask_;
}

int32_t KvCache::HashIndex::Find(uint64_t hash) const {
  for (size_t i = Home(hash);; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.block == kNone) return kNone;
    if (s.block != kTomb && s.hash == hash) return s.block;
  }
}

bool KvCache::HashIndex::Insert(uint64_t hash, int32_t block) {
  if (Find(hash) != kNone) return false;
  if ((used_ + tombs_ + 1) * 4 > slots_.size() * 3) Rebuild();
  for (size_t i = Home(hash);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.block == kNone || s.block == kTomb) {
      if (s.block == kTomb) --tombs_;
      s = {hash, block};
      ++used_;
      return true;
    }
  }
}

void KvCache::HashIndex::Erase(uint64_t hash, int32_t block) {
  for (size_t i = Home(hash);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.block == kNone) return;
    if (s.block != kTomb && s.hash == hash) {
      if (s.block == block) {
        s.block = kTomb;
        --used_;
        ++tombs_;
      }
      return;
    }
  }
}

void KvCache::HashIndex::Rebuild() {
  std::vector<Slot> old = std::move(slots_);
  size_t capacity = old.size();
  if ((used_ + 1) * 2 > capacity) capacity *= 2;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  used_ = tombs_ = 0;
  for (const Slot& s : old) {
    if (s.block >= 0) Insert(s.hash, s.block);
  }
}

KvCache::KvCache(int64_t num_blocks, int block_size, bool prefix_caching)
    : block_size_(std::max(block_size, 1)),
      prefix_caching_(prefix_caching),
      blocks_(static_cast<size_t>(std::max<int64_t>(num_blocks, 0))),
      by_hash_(prefix_caching ? blocks_.size() : 0) {
  for (int32_t b = 0; b < static_cast<int32_t>(blocks_.size()); ++b) PushBack(b);
}

double KvCache::usage() const {
  if (blocks_.empty()) return 0;
  return 1.0 - static_cast<double>(free_count_) / static_cast<double>(blocks_.size());
}

void KvCache::PushBack(int32_t b) {
  Block& k = blocks_[b];
  k.prev = tail_;
  k.next = kNone;
  k.in_queue = true;
  if (tail_ != kNone) blocks_[tail_].next = b;
  tail_ = b;
  if (head_ == kNone) head_ = b;
  ++free_count_;
}

void KvCache::Unlink(int32_t b) {
  Block& k = blocks_[b];
  if (k.prev != kNone) blocks_[k.prev].next = k.next;
  if (k.next != kNone) blocks_[k.next].prev = k.prev;
  if (head_ == b) head_ = k.next;
  if (tail_ == b) tail_ = k.prev;
  k.prev = k.next = kNone;
  k.in_queue = false;
  --free_count_;
}

int32_t KvCache::PopFront() {
  const int32_t b = head_;
  Unlink(b);
  Block& k = blocks_[b];
  if (k.hash) {  // evicted: its content is gone
    by_hash_.Erase(*k.hash, b);
    k.hash.reset();
  }
  return b;
}

int64_t KvCache::CachedPrefix(const std::vector<uint64_t>& hashes, int64_t max_blocks) const {
  if (!prefix_caching_) return 0;
  const int64_t limit = std::min<int64_t>(max_blocks, static_cast<int64_t>(hashes.size()));
  int64_t n = 0;
  while (n < limit && by_hash_.Find(hashes[static_cast<size_t>(n)]) != kNone) ++n;
  return n;
}

int64_t KvCache::FreeAmongCached(const std::vector<uint64_t>& hashes, int64_t count) const {
  int64_t n = 0;
  for (int64_t i = 0; i < count; ++i) {
    n += blocks_[by_hash_.Find(hashes[static_cast<size_t>(i)])].in_queue ? 1 : 0;
  }
  return n;
}

void KvCache::TakeCached(const std::vector<uint64_t>& hashes, int64_t count,
                         std::vector<int32_t>& held) {
  for (int64_t i = 0; i < count; ++i) {
    const int32_t b = by_hash_.Find(hashes[static_cast<size_t>(i)]);
    Block& k = blocks_[b];
    if (k.in_queue) Unlink(b);
    ++k.refs;
    held.push_back(b);
  }
}

bool KvCache::Allocate(int64_t count, std::vector<int32_t>& held) {
  if (count > free_count_) return false;
  for (int64_t i = 0; i < count; ++i) {
    const int32_t b = PopFront();
    blocks_[b].refs = 1;
    held.push_back(b);
  }
  return true;
}

void KvCache::Register(int32_t block, uint64_t hash) {
  if (!prefix_caching_) return;
  Block& k = blocks_[block];
  if (k.hash) return;
  if (by_hash_.Insert(hash, block)) k.hash = hash;
}

void KvCache::Free(std::vector<int32_t>& held) {
  for (auto it = held.rbegin(); it != held.rend(); ++it) {
    Block& k = blocks_[*it];
    if (--k.refs == 0) {
      if (!prefix_caching_) k.hash.reset();
      PushBack(*it);
    }
  }
  held.clear();
}

}  // namespace aiinfra::sim
