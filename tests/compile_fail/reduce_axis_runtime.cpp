// expect: sessionlib: reduce: axes are template arguments: write sl::reduce_mean<1>(x), not sl::reduce_mean(x, 1)
// expect-first: sessionlib: reduce: axes are template arguments
// expect-one-of: AxisT = int | axis_not_template_argument<int>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  auto ok = sl::reduce_mean<1>(x) + sl::reduce_sum<1>(x, sl::keepdims);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto m = sl::reduce_mean(x, 1);  // TF's axis=1
  (void)m;
#endif
}
