// Shape inference for imported nodes, over run-time shapes: a shape is a vector
// of dimensions (-1 unknown), or nullopt when even its rank is unknown. These
// mirror the compile-time rules of core/shape_algebra.hpp (broadcast, matmul,
// reduce, reshape) for nodes whose shapes come from a GraphDef.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "import_context.hpp"

namespace sessionlib::detail::infer {

using shape_vec = std::vector<std::ptrdiff_t>;
using maybe_shape = std::optional<shape_vec>;

inline std::string shape_string(const shape_vec& s) { return static_shape_string(s); }

/// numpy broadcasting; a mismatch of known dimensions fails naming the node.
inline maybe_shape broadcast(const import_context& c, const maybe_shape& a, const maybe_shape& b) {
  if (!a || !b) return std::nullopt;
  const std::size_t r = std::max(a->size(), b->size());
  shape_vec out(r);
  for (std::size_t i = 0; i < r; ++i) {
    const std::ptrdiff_t x = i < r - a->size() ? 1 : (*a)[i - (r - a->size())];
    const std::ptrdiff_t y = i < r - b->size() ? 1 : (*b)[i - (r - b->size())];
    if (x == 1) out[i] = y;
    else if (y == 1) out[i] = x;
    else if (x < 0) out[i] = y;  // -1 with k (k != 1) is k, as TF infers; -1 with -1 stays -1
    else if (y < 0) out[i] = x;
    else if (x == y) out[i] = x;
    else c.fail("Incompatible shapes: " + shape_string(*a) + " vs. " + shape_string(*b));
  }
  return out;
}

/// A matrix product's shape: the last two axes of op(a) @ op(b), leading axes broadcast.
inline maybe_shape matmul(const import_context& c, const maybe_shape& a, const maybe_shape& b, bool ta, bool tb) {
  if (!a || !b) return std::nullopt;
  if (a->size() < 2 || b->size() < 2) c.fail("Shape must be at least rank 2");
  const std::size_t ra = a->size(), rb = b->size();
  const std::ptrdiff_t m = (*a)[ta ? ra - 1 : ra - 2], ka = (*a)[ta ? ra - 2 : ra - 1];
  const std::ptrdiff_t kb = (*b)[tb ? rb - 1 : rb - 2], n = (*b)[tb ? rb - 2 : rb - 1];
  if (ka >= 0 && kb >= 0 && ka != kb)
    c.fail("Matrix size-incompatible: In[0]: " + shape_string(*a) + ", In[1]: " + shape_string(*b));
  const maybe_shape batch = broadcast(c, shape_vec(a->begin(), a->end() - 2), shape_vec(b->begin(), b->end() - 2));
  shape_vec out = *batch;
  out.push_back(m);
  out.push_back(n);
  return out;
}

/// Normalises `axis` for rank `r` (negative counts from the end); fails when out of range.
inline std::size_t axis(const import_context& c, std::int64_t ax, std::size_t r) {
  const auto rank = static_cast<std::int64_t>(r);
  if (ax < -rank || ax >= rank)
    c.fail("axis " + std::to_string(ax) + " is out of range for a tensor of rank " + std::to_string(r));
  return static_cast<std::size_t>(ax < 0 ? ax + rank : ax);
}

/// Normalised, sorted, distinct axes.
inline std::vector<std::int64_t> axes(const import_context& c, const std::vector<std::int64_t>& in, std::size_t r) {
  std::vector<std::int64_t> out;
  for (auto a : in) out.push_back(static_cast<std::int64_t>(axis(c, a, r)));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// A reduction's shape over normalised `ax`, keeping them as 1 when `keep`.
inline shape_vec reduce(const shape_vec& s, const std::vector<std::int64_t>& ax, bool keep) {
  shape_vec out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool reduced = std::find(ax.begin(), ax.end(), static_cast<std::int64_t>(i)) != ax.end();
    if (!reduced) out.push_back(s[i]);
    else if (keep) out.push_back(1);
  }
  return out;
}

/// Reshape's result: `want` with its one -1 inferred when the input's element count is known.
inline shape_vec reshape(const import_context& c, const maybe_shape& in, const std::vector<std::int64_t>& want) {
  shape_vec out;
  std::ptrdiff_t known = 1;
  int unknown = 0;
  for (auto w : want) {
    if (w < -1) c.fail("Size " + std::to_string(w) + " in the requested shape must be >= -1");
    if (w == -1) ++unknown;
    else known *= static_cast<std::ptrdiff_t>(w);
    out.push_back(static_cast<std::ptrdiff_t>(w));
  }
  if (unknown > 1) c.fail("only one input size may be -1, not both");
  std::ptrdiff_t total = in ? 1 : -1;
  if (in)
    for (auto d : *in) total = d < 0 || total < 0 ? -1 : total * d;
  if (total >= 0) {
    if (unknown == 0 && known != total)
      c.fail("Input to reshape is a tensor with " + std::to_string(total) + " values, but the requested shape has " +
             std::to_string(known));
    if (unknown == 1 && known > 0) {
      if (total % known != 0)
        c.fail("Input to reshape is a tensor with " + std::to_string(total) +
               " values, but the requested shape requires a multiple of " + std::to_string(known));
      for (auto& d : out)
        if (d == -1) d = total / known;
    }
  }
  return out;
}

/// Output extent of a window over `in` (SAME or VALID).
inline std::ptrdiff_t window(std::ptrdiff_t in, std::ptrdiff_t k, std::ptrdiff_t s, bool same) {
  if (in < 0 || (!same && k < 0)) return -1;
  if (same) return (in + s - 1) / s;
  return in >= k ? (in - k) / s + 1 : 0;
}

}  // namespace sessionlib::detail::infer
