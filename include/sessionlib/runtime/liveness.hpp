// Buffer sharing by liveness, for runs that take a plan's steps in order (a
// parallel run ignores it and keeps a buffer per slot, see plan.hpp). Each
// slot whose buffer the run owns lives from the step producing it to the step
// after which it dies. Slots with disjoint lives share a colour: the dead
// slot's buffer is handed on to the colour's next slot (the executor moves it
// at the release), and the colour's last slot hands it back to its first for
// the next run. So a run keeps about as many buffers as values are alive at
// once, not one per intermediate.
//
// An elementwise step whose input dies at that step may take the input's
// buffer over and write in place: the output joins the input's colour.
#pragma once

#include "../config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sessionlib::detail {

/// What buffer sharing knows of one value a step of a sequential plan writes
/// (its output, or a fused group's interior value when the group falls back).
struct step_life {
  std::uint32_t step;
  std::uint32_t out_slot;
  bool owns_output;              // the output is a fresh buffer nobody else sees (no view, not fetched)
  std::uint32_t in_place_slot;   // an input dying at this step the output may overwrite; ~0u: none
  std::size_t bytes;             // the output's size from its static shape (a guess with dyn dims)
};

/// Per slot, where its buffer goes when it dies (~0u: stays, or dropped when
/// an alias); per step, the input slot it writes over (~0u: none).
struct buffer_sharing {
  std::vector<std::uint32_t> heir;
  std::vector<std::uint32_t> in_place;
};

/// Colours the owned slots of `steps` (by step, in plan order) by disjoint
/// lives; `death[slot]` is the step after which the slot dies. A free colour is
/// chosen by best fit on `bytes`: the smallest one at least as large, else the
/// largest, so a colour's buffer grows to its largest slot once.
SESSIONLIB_INLINE buffer_sharing share_buffers(std::span<const step_life> steps, std::span<const std::uint32_t> death,
                                    std::size_t slot_count, std::size_t step_count) {
  constexpr std::uint32_t none = ~std::uint32_t{0};
  struct colour {
    std::uint32_t first, last;
    std::uint32_t free_after;  // the step after which its last slot died
    std::size_t bytes;
  };
  buffer_sharing out{std::vector<std::uint32_t>(slot_count, none), std::vector<std::uint32_t>(step_count, none)};
  std::vector<std::uint32_t> colour_of(slot_count, none);
  std::vector<colour> colours;
  for (const step_life& s : steps) {
    const std::uint32_t k = s.step;
    if (!s.owns_output) continue;
    const std::uint32_t o = s.out_slot;
    // In place: the input is its colour's last slot (it lives until now), so
    // the output simply follows it; the executor moves the buffer before the step.
    if (s.in_place_slot != none && colour_of[s.in_place_slot] != none) {
      colour& c = colours[colour_of[s.in_place_slot]];
      c.last = o;
      c.free_after = death[o];
      c.bytes = std::max(c.bytes, s.bytes);
      colour_of[o] = colour_of[s.in_place_slot];
      out.in_place[k] = s.in_place_slot;
      continue;
    }
    std::uint32_t best = none;
    for (std::uint32_t c = 0; c < colours.size(); ++c) {
      const colour& cand = colours[c];
      if (cand.free_after >= k) continue;
      if (best == none) { best = c; continue; }
      const colour& b = colours[best];
      const bool fits = cand.bytes >= s.bytes, best_fits = b.bytes >= s.bytes;
      if (fits ? (!best_fits || cand.bytes < b.bytes) : (!best_fits && cand.bytes > b.bytes)) best = c;
    }
    if (best == none) {
      colours.push_back({o, o, death[o], s.bytes});
      colour_of[o] = static_cast<std::uint32_t>(colours.size() - 1);
      continue;
    }
    colour& c = colours[best];
    out.heir[c.last] = o;
    c.last = o;
    c.free_after = death[o];
    c.bytes = std::max(c.bytes, s.bytes);
    colour_of[o] = best;
  }
  for (const colour& c : colours)
    if (c.first != c.last) out.heir[c.last] = c.first;
  return out;
}

}  // namespace sessionlib::detail
