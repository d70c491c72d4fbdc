// expect: sessionlib: feed: the TensorHandle's dtype or shape does not fit the fed tensor's
// expect-one-of: TensorHandle<float, sessionlib::shape<4> > | TensorHandle<float, sessionlib::shape<4>>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto [hp, ht] = sl::get_session_tensor<float, sl::shape<sl::dyn, 3>>(g);
  sl::Session sess(g);
  auto good = sess.run(sl::get_session_handle(sl::constant(g, {{1.f, 2.f, 3.f}})));  // shape<1, 3> fits (?, 3)
  (void)sess.run(ht, {{hp, good}});
  auto x = sl::placeholder<float, sl::shape<3>>(g, "x");
  auto three = sess.run(sl::get_session_handle(sl::constant(g, {1.f, 2.f, 3.f})));
  (void)sess.run(x, {{x, three}});
#if SESSIONLIB_CF_FAIL
  auto four = sess.run(sl::get_session_handle(sl::constant(g, {1.f, 2.f, 3.f, 4.f})));
  (void)sess.run(x, {{x, four}});  // a handle of a shape<4> tensor fed to a shape<3> one
#endif
}
