// expect: sessionlib: feed: the value's element type differs from the tensor's dtype
// expect-one-of: feed_dtype_mismatch<float, double> | [with TensorT = float; ValueT = double]
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::unknown_rank>(g, "x");
  sl::Session sess(g);
  (void)sess.run(x, {{x, xt::xarray<float>{{1.f, 2.f}}}});  // any rank: fine
#if SESSIONLIB_CF_FAIL
  (void)sess.run(x, {{x, xt::xarray<double>{{1.0, 2.0}}}});  // another element type
#endif
}
