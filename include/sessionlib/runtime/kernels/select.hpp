// SelectV2 (`where`): out = cond ? x : y elementwise, the three operands
// broadcast together at run time as numpy does.
#pragma once

#include <string>

#include "elementwise.hpp"

namespace sessionlib::kernels {

/// out = cond ? x : y; inputs (cond: bool, x: T, y: T) broadcast to one shape.
template <class T>
void select_kernel(kernel_context& ctx) {
  const any_array& c = ctx.input(0);
  const any_array& x = ctx.input(1);
  const any_array& y = ctx.input(2);
  const bool* pc = c.data<bool>();
  const T* px = x.data<T>();
  const T* py = y.data<T>();
  if (c.shape() == x.shape() && x.shape() == y.shape()) {
    ctx.out.ensure(dtype_of<T>, x.shape());
    T* po = ctx.out.data<T>();
    for (std::size_t i = 0, n = x.size(); i < n; ++i) po[i] = pc[i] ? px[i] : py[i];
    return;
  }
  // The shape all three broadcast to, or TF's SelectV2 message.
  const dims* in[3] = {&c.shape(), &x.shape(), &y.shape()};
  std::size_t rank = 0;
  for (const dims* d : in) rank = std::max(rank, d->size());
  dims out;
  out.resize(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    std::size_t e = 1;
    for (const dims* d : in) {
      const std::size_t v = i < rank - d->size() ? 1 : (*d)[i - (rank - d->size())];
      if (v == 1) continue;
      if (e != 1 && e != v)
        ctx.fail("condition " + bracket_shape(c.shape()) + ", then " + bracket_shape(x.shape()) + ", and else " +
                 bracket_shape(y.shape()) + " must be broadcastable");
      e = v;
    }
    out[i] = e;
  }
  ctx.out.ensure(dtype_of<T>, out);
  T* po = ctx.out.data<T>();
  const std::size_t total = out.elements();
  if (total == 0) return;
  if (rank == 0) { po[0] = pc[0] ? px[0] : py[0]; return; }
  const auto sc = broadcast_strides(c.shape(), out), sx = broadcast_strides(x.shape(), out),
             sy = broadcast_strides(y.shape(), out);
  // Walk the output row by row; the multi-index advances over the outer axes.
  std::array<std::size_t, dims::max_rank> idx{};
  std::size_t ic = 0, ix = 0, iy = 0;
  const std::size_t inner = out[rank - 1];
  for (std::size_t o = 0; o < total; o += inner) {
    for (std::size_t j = 0; j < inner; ++j)
      po[o + j] = pc[ic + j * sc[rank - 1]] ? px[ix + j * sx[rank - 1]] : py[iy + j * sy[rank - 1]];
    for (std::size_t ax = rank - 1; ax-- > 0;) {
      ic += sc[ax];
      ix += sx[ax];
      iy += sy[ax];
      if (++idx[ax] < out[ax]) break;
      ic -= sc[ax] * out[ax];
      ix -= sx[ax] * out[ax];
      iy -= sy[ax] * out[ax];
      idx[ax] = 0;
    }
  }
}

}  // namespace sessionlib::kernels
