// Elementwise fusion. A tree of elementwise nodes whose intermediate values
// nobody else needs runs as one step: a small program of block functions
// evaluated over cache-sized blocks, so intermediates live in L1-sized scratch
// buffers instead of full arrays. Operands must be the output's shape or
// scalars; other broadcasts fall back to the nodes' own kernels.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "kernel.hpp"

namespace sessionlib {

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
};

namespace detail {
// 256 elements per block: with the few scratch registers a tree needs
// (assign_registers), a block's operands, scratch and output stay in L1.
inline constexpr std::size_t fusion_block = 256;
inline constexpr std::size_t fusion_parallel_min = 1 << 16; // below this, stay on the calling thread
inline constexpr std::size_t fusion_max_program = 64;

/// Scratch register of each instruction's result. An intermediate has one
/// reader, so its register is free again after that reader; a result never
/// shares its operand's register, since an exactly aliased loop would run
/// unvectorised (the compilers' overlap checks reject it).
inline std::size_t assign_registers(const fused_group& g, std::uint8_t* reg) {
  std::uint64_t busy = 0;
  std::size_t used = 0;
  for (std::size_t i = 0; i < g.program.size(); ++i) {
    const fused_instr& ins = g.program[i];
    std::uint64_t operands = 0;
    for (std::size_t k = 0; k < ins.arity; ++k)
      if (ins.operand[k] >= 0) operands |= std::uint64_t{1} << reg[ins.operand[k]];
    std::size_t r = 0;
    while ((busy | operands) >> r & 1) ++r;
    reg[i] = static_cast<std::uint8_t>(r);
    used = std::max(used, r + 1);
    busy = (busy & ~operands) | std::uint64_t{1} << r;
  }
  return used;
}

/// An external operand as blocks read it: its base and whether it advances
/// (a full-shape array) or repeats its one element (a scalar).
struct fused_operand {
  const unsigned char* base;
  std::size_t stride;
};

/// Runs `g`'s program over elements [begin, end) of the output.
inline void run_fused_range(const fused_group& g, const std::uint8_t* reg, std::size_t nregs,
                            const fused_operand* ext, void* out, std::size_t begin, std::size_t end) {
  const std::size_t esize = dtype_size(g.type);
  const std::size_t ninstr = g.program.size();
  constexpr std::size_t line = 64;
  // Bytes per register, rounded to a cache line so registers never share one.
  const std::size_t rbytes = (fusion_block * esize + line - 1) / line * line;
  thread_local std::vector<unsigned char> scratch_store;
  if (scratch_store.size() < nregs * rbytes + line) scratch_store.resize(nregs * rbytes + line);
  auto* scratch = reinterpret_cast<unsigned char*>(
      (reinterpret_cast<std::uintptr_t>(scratch_store.data()) + line - 1) / line * line);
  for (std::size_t start = begin; start < end; start += fusion_block) {
    const std::size_t len = std::min(fusion_block, end - start);
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
}  // namespace detail

/// Runs a fused group: returns false (and does nothing) when some operand is
/// neither the output's shape nor a scalar, so the caller runs the fallback.
inline bool run_fused(const fused_group& g, const any_array* const* ext, any_array& out, int threads) {
  if (g.program.size() > detail::fusion_max_program) return false;
  const std::size_t next = g.externals.size();
  detail::fused_operand ops_small[8];
  std::vector<detail::fused_operand> ops_large;
  detail::fused_operand* ops = ops_small;
  if (next > 8) {
    ops_large.resize(next);
    ops = ops_large.data();
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
  std::uint8_t reg[detail::fusion_max_program];
  const std::size_t nregs = detail::assign_registers(g, reg);
  out.ensure(g.type, shape);
  if (total >= detail::fusion_parallel_min && threads != 1) {
    const std::size_t grain = detail::fusion_block * 64;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, (total + grain - 1) / grain), [&](const auto& r) {
      detail::run_fused_range(g, reg, nregs, ops, out.raw(), r.begin() * grain, std::min(total, r.end() * grain));
    });
  } else {
    detail::run_fused_range(g, reg, nregs, ops, out.raw(), 0, total);
  }
  return true;
}

}  // namespace sessionlib
