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
inline constexpr std::size_t fusion_block = 1024;          // elements per block: fits L1 for a few operands
inline constexpr std::size_t fusion_parallel_min = 1 << 16; // below this, stay on the calling thread

/// Runs `g`'s program over elements [begin, end) of the output.
inline void run_fused_range(const fused_group& g, const any_array* const* ext, void* out, std::size_t begin,
                            std::size_t end, std::size_t total) {
  const std::size_t esize = dtype_size(g.type);
  const std::size_t nregs = g.program.size();
  thread_local std::vector<std::max_align_t> scratch_store;
  const std::size_t need = (nregs * fusion_block * esize + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t);
  if (scratch_store.size() < need) scratch_store.resize(need);
  auto* scratch = reinterpret_cast<unsigned char*>(scratch_store.data());
  for (std::size_t start = begin; start < end; start += fusion_block) {
    const std::size_t len = std::min(fusion_block, end - start);
    for (std::size_t i = 0; i < nregs; ++i) {
      const fused_instr& ins = g.program[i];
      const void* in[3];
      std::size_t stride[3];
      for (std::size_t k = 0; k < ins.arity; ++k) {
        const std::int32_t op = ins.operand[k];
        if (op >= 0) {
          in[k] = scratch + static_cast<std::size_t>(op) * fusion_block * esize;
          stride[k] = 1;
        } else {
          const any_array& e = *ext[static_cast<std::size_t>(-op - 1)];
          const bool full = e.size() == total && total != 1;
          in[k] = static_cast<const unsigned char*>(e.raw()) + (full ? start * esize : 0);
          stride[k] = full ? 1 : 0;
        }
      }
      void* dst = i + 1 == nregs ? static_cast<unsigned char*>(out) + start * esize
                                 : scratch + i * fusion_block * esize;
      ins.fn(in, stride, dst, len);
    }
  }
}
}  // namespace detail

/// Runs a fused group: returns false (and does nothing) when some operand is
/// neither the output's shape nor a scalar, so the caller runs the fallback.
inline bool run_fused(const fused_group& g, const any_array* const* ext, any_array& out, int threads) {
  dims shape;
  std::size_t total = 1;
  // The output is the largest operand's shape (of the highest rank among equals).
  for (std::size_t i = 0; i < g.externals.size(); ++i)
    if (ext[i]->size() > total || (ext[i]->size() == total && ext[i]->rank() > shape.size())) {
      shape = ext[i]->shape();
      total = ext[i]->size();
    }
  for (std::size_t i = 0; i < g.externals.size(); ++i) {
    const any_array& e = *ext[i];
    if (e.size() == 1 && e.rank() <= shape.size()) continue;
    if (!(e.shape() == shape)) return false;
  }
  out.ensure(g.type, shape);
  if (total >= detail::fusion_parallel_min && threads != 1) {
    const std::size_t grain = detail::fusion_block * 16;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, (total + grain - 1) / grain), [&](const auto& r) {
      detail::run_fused_range(g, ext, out.raw(), r.begin() * grain, std::min(total, r.end() * grain), total);
    });
  } else {
    detail::run_fused_range(g, ext, out.raw(), 0, total, total);
  }
  return true;
}

}  // namespace sessionlib
