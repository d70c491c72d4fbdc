// expect: sessionlib: feed: the value's element type differs from the tensor's dtype
// expect-one-of: feed_dtype_mismatch<float, double> | [with TensorT = float; ValueT = double]
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<float, sl::shape<sl::dyn, 4>>(g, "sp");
  sl::Session sess(g);
  sl::SparseTensorValue<float, 2> good{{{0, 1}}, {1.f}, {3, 4}};
  (void)sess.run(sp, {{sp, good}});
#if SESSIONLIB_CF_FAIL
  sl::SparseTensorValue<double, 2> bad{{{0, 1}}, {1.0}, {3, 4}};
  (void)sess.run(sp, {{sp, bad}});
#endif
}
