// expect: sessionlib: feed: a SparseTensor is fed an sl::SparseTensorValue<T, rank>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<float, sl::shape<sl::dyn, 4>>(g, "sp");
  sl::Session sess(g);
  sl::SparseTensorValue<float, 2> good{{{0, 1}}, {1.f}, {3, 4}};
  (void)sess.run(sp, {{sp, good}});
#if SESSIONLIB_CF_FAIL
  xt::xtensor<float, 2> dense = xt::zeros<float>({3, 4});
  (void)sess.run(sp, {{sp, dense}});
#endif
}
