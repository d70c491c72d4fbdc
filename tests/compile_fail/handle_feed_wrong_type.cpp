// expect: sessionlib: feed: the TensorHandle's dtype or shape does not fit the fed tensor's
// expect-one-of: TensorHandle<int, sessionlib::shape<> > | TensorHandle<int, sessionlib::shape<>>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto [hp, ht] = sl::get_session_tensor<float, sl::shape<>>(g);
  sl::Session sess(g);
  auto good = sess.run(sl::get_session_handle(sl::constant(g, 1.f)));
  (void)sess.run(ht, {{hp, good}});
#if SESSIONLIB_CF_FAIL
  auto bad = sess.run(sl::get_session_handle(sl::constant(g, 1)));  // an int tensor's handle
  (void)sess.run(ht, {{hp, bad}});
#endif
}
