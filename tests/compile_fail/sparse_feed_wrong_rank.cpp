// expect: sessionlib: feed: the value's rank differs from the tensor's
// expect-one-of: feed_rank_mismatch<2, 3> | [with long unsigned int TensorRank = 2; long unsigned int ValueRank = 3] | feed_rank_mismatch<2UL, 3UL>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<float, sl::shape<sl::dyn, 4>>(g, "sp");
  sl::Session sess(g);
  sl::SparseTensorValue<float, 2> good{{{0, 1}}, {1.f}, {3, 4}};
  (void)sess.run(sp, {{sp, good}});
#if SESSIONLIB_CF_FAIL
  sl::SparseTensorValue<float, 3> bad{{{0, 1, 0}}, {1.f}, {3, 4, 2}};
  (void)sess.run(sp, {{sp, bad}});
#endif
}
