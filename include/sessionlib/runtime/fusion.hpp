// Elementwise fusion. A tree of elementwise nodes whose intermediate values
// nobody else needs runs as one step: a small program of block functions
// evaluated over cache-sized blocks, so intermediates live in L1-sized scratch
// buffers instead of full arrays. Operands must be the output's shape or
// scalars; other broadcasts fall back to the nodes' own kernels.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "../config.hpp"
#include "kernel.hpp"

#if SESSIONLIB_DEFINITIONS
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#endif

namespace sessionlib::detail {

/// One instruction of a fused program: out = block(operands...).
struct fused_instr {
  block_fn fn;
  std::uint8_t arity;
  std::int32_t operand[3];  // >= 0: an earlier instruction's result; < 0: external -(k + 1)
  const node* n;
};

/// A fused group: the program, its external inputs, and the original steps
/// (run instead when an operand broadcasts in a way blocks cannot express).
struct fused_group {
  dtype type;
  std::vector<fused_instr> program;      // in dependency order; the last one is the root
  std::vector<std::uint32_t> externals;  // slots of the external inputs
  std::vector<std::uint32_t> fallback;   // indices into plan::inner_steps, in order
  std::vector<std::uint8_t> reg;         // scratch register of each instruction (assign_registers)
  std::size_t nregs = 0;                 // registers used
};

// 256 elements per block: with the few scratch registers a tree needs
// (assign_registers), a block's operands, scratch and output stay in L1.
inline constexpr std::size_t fusion_block = 256;
// Up to this many elements, the whole output is one block: each instruction is
// one call over the whole array, so a small run pays the calls once, not per block.
inline constexpr std::size_t fusion_single_block = 2048;
inline constexpr std::size_t fusion_parallel_min = 1 << 16; // below this, stay on the calling thread
inline constexpr std::size_t fusion_max_program = 64;

// The planner's and the executor's part: compiled where definitions are
// (config.hpp's SESSIONLIB_DEFINITIONS), declared nowhere else.
#if SESSIONLIB_DEFINITIONS

/// Replaces each instruction whose first operand (either operand, for add
/// and mul) is the instruction just before it by their pair kernel
/// (runtime/kernels/pairs.hpp) when both ops pair: the intermediate is then
/// never stored. Every intermediate has one reader (plan.hpp's grouping), so
/// the producer can go.
SESSIONLIB_INLINE void pair_instructions(fused_group& g) {
  std::vector<fused_instr> out;
  std::vector<bool> paired;
  std::vector<std::int32_t> moved(g.program.size());
  out.reserve(g.program.size());
  for (std::size_t i = 0; i < g.program.size(); ++i) {
    fused_instr ins = g.program[i];
    for (std::size_t k = 0; k < ins.arity; ++k)
      if (ins.operand[k] >= 0) ins.operand[k] = moved[static_cast<std::size_t>(ins.operand[k])];
    const std::int32_t last = static_cast<std::int32_t>(out.size()) - 1;
    const bool commutes = ins.n->pairs_as == pair_op::add || ins.n->pairs_as == pair_op::mul;
    block_fn pair = nullptr;
    if (ins.arity == 2 && ins.n->pair_after && last >= 0 && !paired.back() &&
        out.back().n->pairs_as != pair_op::none && ins.operand[0] != ins.operand[1]) {
      if (ins.operand[1] == last && commutes) std::swap(ins.operand[0], ins.operand[1]);
      if (ins.operand[0] == last) pair = ins.n->pair_after(out.back().n->pairs_as);
    }
    if (pair) {
      const fused_instr& first = out.back();
      fused_instr both{pair, static_cast<std::uint8_t>(first.arity + 1), {first.operand[0], first.operand[1], 0}, ins.n};
      both.operand[first.arity] = ins.operand[1];
      out.back() = both;
      paired.back() = true;
    } else {
      out.push_back(ins);
      paired.push_back(false);
    }
    moved[i] = static_cast<std::int32_t>(out.size()) - 1;
  }
  g.program = std::move(out);
}

/// Gives each instruction's result a scratch register. An intermediate has
/// one reader, so its register is free again after that reader; a result
/// never shares its operand's register, so a block function never sees its
/// output overlap a scratch input.
SESSIONLIB_INLINE void assign_registers(fused_group& g) {
  g.reg.assign(g.program.size(), 0);
  g.nregs = 0;
  if (g.program.size() > fusion_max_program) return;  // runs its fallback steps
  std::uint64_t busy = 0;
  for (std::size_t i = 0; i < g.program.size(); ++i) {
    const fused_instr& ins = g.program[i];
    std::uint64_t operands = 0;
    for (std::size_t k = 0; k < ins.arity; ++k)
      if (ins.operand[k] >= 0) operands |= std::uint64_t{1} << g.reg[static_cast<std::size_t>(ins.operand[k])];
    std::size_t r = 0;
    while ((busy | operands) >> r & 1) ++r;
    g.reg[i] = static_cast<std::uint8_t>(r);
    g.nregs = std::max(g.nregs, r + 1);
    busy = (busy & ~operands) | std::uint64_t{1} << r;
  }
}

/// Prepares a group's program once, when the plan is built.
SESSIONLIB_INLINE void compile_program(fused_group& g) {
  pair_instructions(g);
  assign_registers(g);
}

/// An external operand as blocks read it: its base and whether it advances
/// (a full-shape array) or repeats its one element (a scalar).
struct fused_operand {
  const unsigned char* base;
  std::size_t stride;
};

/// Runs `g`'s program over elements [begin, end) of the output.
inline void run_fused_range(const fused_group& g, const fused_operand* ext, void* out, std::size_t begin,
                            std::size_t end) {
  const std::uint8_t* reg = g.reg.data();
  const std::size_t nregs = g.nregs;
  const std::size_t esize = dtype_size(g.type);
  const std::size_t ninstr = g.program.size();
  constexpr std::size_t line = 64;
  const std::size_t block = end - begin <= fusion_single_block ? end - begin : fusion_block;
  // Bytes per register, rounded to a cache line so registers never share one.
  const std::size_t rbytes = (block * esize + line - 1) / line * line;
  thread_local std::vector<unsigned char> scratch_store;
  if (scratch_store.size() < nregs * rbytes + line) scratch_store.resize(nregs * rbytes + line);
  auto* scratch = reinterpret_cast<unsigned char*>(
      (reinterpret_cast<std::uintptr_t>(scratch_store.data()) + line - 1) / line * line);
  for (std::size_t start = begin; start < end; start += block) {
    const std::size_t len = std::min(block, end - start);
    for (std::size_t i = 0; i < ninstr; ++i) {
      const fused_instr& ins = g.program[i];
      const void* in[3];
      std::size_t stride[3];
      for (std::size_t k = 0; k < ins.arity; ++k) {
        const std::int32_t op = ins.operand[k];
        if (op >= 0) {
          in[k] = scratch + reg[op] * rbytes;
          stride[k] = 1;
        } else {
          const fused_operand& e = ext[-op - 1];
          in[k] = e.base + e.stride * start * esize;
          stride[k] = e.stride;
        }
      }
      void* dst = i + 1 == ninstr ? static_cast<unsigned char*>(out) + start * esize : scratch + reg[i] * rbytes;
      ins.fn(in, stride, dst, len);
    }
  }
}

/// Runs `g` over all `total` elements of `out`, split across threads in
/// `arena` (see split_work) when large.
SESSIONLIB_INLINE void run_fused_blocks(const fused_group& g, const fused_operand* ops, any_array& out, std::size_t total,
                             int threads, tbb::task_arena* arena) {
  if (total >= fusion_parallel_min && threads != 1) {
    const std::size_t grain = fusion_block * 64;
    split_work(arena, [&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, (total + grain - 1) / grain), [&](const auto& r) {
        run_fused_range(g, ops, out.raw(), r.begin() * grain, std::min(total, r.end() * grain));
      });
    });
  } else {
    run_fused_range(g, ops, out.raw(), 0, total);
  }
}

/// Runs a fused group: returns false (and does nothing) when some operand is
/// neither the output's shape nor a scalar, so the caller runs the fallback.
/// A large output splits across `threads` (0: all) in `arena` (see split_work).
SESSIONLIB_INLINE bool run_fused(const fused_group& g, const any_array* const* ext, any_array& out, int threads,
                      tbb::task_arena* arena = nullptr) {
  if (g.program.size() > detail::fusion_max_program) return false;
  const std::size_t next = g.externals.size();
  detail::fused_operand ops_small[8];
  std::vector<detail::fused_operand> ops_large;
  detail::fused_operand* ops = ops_small;
  if (next > 8) {
    ops_large.resize(next);
    ops = ops_large.data();
  }
  // The common case first: every operand has the first one's shape.
  const dims& first = ext[0]->shape();
  std::size_t same = 1;
  while (same < next && ext[same]->shape() == first) ++same;
  if (same == next) {
    const std::size_t total = first.elements();
    for (std::size_t i = 0; i < next; ++i)
      ops[i] = {static_cast<const unsigned char*>(ext[i]->raw()), total == 1 ? std::size_t{0} : std::size_t{1}};
    out.ensure(g.type, first);
    detail::run_fused_blocks(g, ops, out, total, threads, arena);
    return true;
  }
  // The output is the largest operand's shape (of the highest rank among equals).
  const any_array* largest = ext[0];
  std::size_t total = largest->size();
  for (std::size_t i = 0; i < next; ++i) {
    const std::size_t n = ext[i]->size();
    ops[i].stride = n;  // the size, for now
    if (n > total || (n == total && ext[i]->rank() > largest->rank())) {
      largest = ext[i];
      total = n;
    }
  }
  const dims& shape = largest->shape();
  for (std::size_t i = 0; i < next; ++i) {
    const any_array& e = *ext[i];
    const bool scalar = ops[i].stride == 1 && e.rank() <= shape.size();
    if (!scalar && &e != largest && !(e.shape() == shape)) return false;
    ops[i] = {static_cast<const unsigned char*>(e.raw()), scalar || total == 1 ? std::size_t{0} : std::size_t{1}};
  }
  out.ensure(g.type, shape);
  detail::run_fused_blocks(g, ops, out, total, threads, arena);
  return true;
}

#endif  // SESSIONLIB_DEFINITIONS

}  // namespace sessionlib::detail
