// KeyIndex: node keys to NodeIds in one flat array of 8-byte slots (32 bits of the key's hash,
// then the id), open addressing with linear probing. It holds no strings: keys are read where
// they already live (a graph's key storage, a file's text) through a `key_of(id)` callback.
// A std::unordered_map of string_view costs a heap node per key and a pointer chase per probe,
// which with the other string-keyed tables took 37% of the time of loading a large graph file.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace schedlab {

class KeyIndex {
 public:
  using Id = uint32_t;  // a NodeId; ids up to 2^32 - 2
  static constexpr Id kAbsent = ~Id{0};

  size_t size() const { return size_; }
  void reserve(size_t keys) {
    size_t capacity = 16;
    while (capacity < keys * 2) capacity *= 2;  // load factor at most 1/2
    if (capacity > slots_.size()) rehash(capacity);
  }

  // Adds `id` under `key` unless the key is there already: returns kAbsent when added, or the
  // id present.
  template <class KeyOf>
  Id insert(std::string_view key, Id id, const KeyOf& key_of) {
    return insert(key, hash(key), id, key_of);
  }
  // The same with the key's hash() computed before, by a caller that has prefetched its slot.
  template <class KeyOf>
  Id insert(std::string_view key, uint32_t h, Id id, const KeyOf& key_of) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    for (size_t i = h & mask();; i = (i + 1) & mask()) {
      uint64_t s = slots_[i];
      if (s == 0) {
        slots_[i] = (uint64_t{h} << 32) | (uint64_t{id} + 1);
        ++size_;
        return kAbsent;
      }
      if (static_cast<uint32_t>(s >> 32) == h && key_of(slot_id(s)) == key) return slot_id(s);
    }
  }

  template <class KeyOf>
  Id find(std::string_view key, const KeyOf& key_of) const {
    if (slots_.empty()) return kAbsent;
    const uint32_t h = hash(key);
    for (size_t i = h & mask();; i = (i + 1) & mask()) {
      uint64_t s = slots_[i];
      if (s == 0) return kAbsent;
      if (static_cast<uint32_t>(s >> 32) == h && key_of(slot_id(s)) == key) return slot_id(s);
    }
  }

  // Starts loading the slot where a key of this hash goes. The index of a large graph does not fit
  // in the caches: a reader that prefetches when it meets a key and inserts after reading the
  // rest of the task hides most of that miss.
  void prefetch(uint32_t h) const {
    if (!slots_.empty()) __builtin_prefetch(slots_.data() + (h & mask()));
  }

  static uint32_t hash(std::string_view key) {
    // The high half of the 64-bit hash: libstdc++'s low bits are well mixed too, but taking the
    // high ones leaves nothing to chance for the mask. (A 32-bit size_t would need mixing.)
    return static_cast<uint32_t>(static_cast<uint64_t>(std::hash<std::string_view>{}(key)) >> 32);
  }

 private:
  static Id slot_id(uint64_t s) { return static_cast<Id>(s & 0xffffffffu) - 1; }
  size_t mask() const { return slots_.size() - 1; }

  // The stored 32 bits of hash place every slot again, so growing reads no key.
  void rehash(size_t capacity) {
    std::vector<uint64_t> old(capacity, 0);
    old.swap(slots_);
    for (uint64_t s : old) {
      if (s == 0) continue;
      size_t i = static_cast<uint32_t>(s >> 32) & mask();
      while (slots_[i] != 0) i = (i + 1) & mask();
      slots_[i] = s;
    }
  }

  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

}  // namespace schedlab
