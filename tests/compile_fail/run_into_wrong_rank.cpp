// expect: sessionlib: into: the target's type differs from what run() returns for these fetches
// expect-first: sessionlib: into: the target's type differs
// expect-one-of: xt::xtensor_container<xt::uvector<float, xsimd::aligned_allocator<float, 16> >, 1, | xt::layout_type::row_major, xt::xtensor_expression_tag>, xt::xtensor_container<xt::uvector<float, xsimd::aligned_allocator<float, 16>>, 1,
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "x");
  sl::Session sess(g);
  xt::xtensor<float, 2> xv = xt::zeros<float>({3, 2});
  xt::xtensor<float, 2> out;
  sess.run_into(out, x * 2.0f, {{x, xv}});
#if SESSIONLIB_CF_FAIL
  xt::xtensor<float, 1> flat;
  sess.run_into(flat, x * 2.0f, {{x, xv}});  // a rank-2 result into a rank-1 array
#endif
}
