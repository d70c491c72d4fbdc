// Tensor handles (issue 13): TF's get_session_handle / get_session_tensor /
// delete_session_tensor. A fetched handle keeps its value in the session; fed
// back, the run reads the kept value itself (shared, not copied).
#include "session_test.hpp"

#include <sessionlib/ops/reduce.hpp>
#include <sessionlib/ops/session_ops.hpp>
#include <sessionlib/session/tensor_handle.hpp>

using sl::shape;

namespace {
std::size_t kept(const sl::Session& s) { return s.impl()->state().tensors()->size(); }
const std::string device = ";/job:localhost/replica:0/task:0/device:CPU:0";
}  // namespace

TEST_CASE("a fetched handle keeps the value in the session; get_session_tensor feeds it back") {
  sl::Graph g;
  auto a = sl::constant(g, 5.0f);
  auto c = a * 6.0f;
  auto hc = sl::get_session_handle(c);
  static_assert(std::is_same_v<decltype(hc), sl::SessionHandle<float, shape<>>>);
  sl::Session sess(g);
  auto h = sess.run(hc);
  static_assert(std::is_same_v<decltype(h), sl::TensorHandle<float, shape<>>>);
  CHECK(h.valid());
  CHECK(h.handle().starts_with("GetSessionHandle;"));
  CHECK(h.handle().ends_with(device));
  CHECK(kept(sess) == 1);
  CHECK(h.eval() == 30.0f);

  auto [hp, ht] = sl::get_session_tensor<float, shape<>>(g);
  static_assert(std::is_same_v<decltype(ht), sl::Tensor<float, shape<>>>);
  static_assert(std::is_same_v<decltype(hp), sl::HandlePlaceholder<float, shape<>>>);
  CHECK(g.at(ht.id()).op == "GetSessionTensor");
  CHECK(ht.op_name() == "GetSessionTensor");
  CHECK(g.at(hp.id()).op == "Placeholder");
  CHECK(sess.run(ht * 2.f, {{hp, h}}) == 60.0f);
  sl::feed_dict fd;
  fd.emplace_back(hp, h);
  CHECK(sess.run(ht + 1.f, fd) == 31.0f);
  // The kept value is read, not recomputed: a handle's value outlives its inputs' changes.
  CHECK(kept(sess) == 1);
}

TEST_CASE("the kept array is fed back without a copy, with its dtype and shape") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<sl::dyn, 3>>(g, "x");
  auto y = x * 2.0f;
  sl::Session sess(g);
  const xt::xtensor<float, 2> xv = {{1, 2, 3}, {4, 5, 6}};
  auto h = sess.run(sl::get_session_handle(y), {{x, xv}});
  static_assert(std::is_same_v<decltype(h), sl::TensorHandle<float, shape<sl::dyn, 3>>>);
  const sl::any_array kept_value = h.value();
  CHECK(kept_value.dtype() == sl::dtype::float32);
  CHECK(kept_value.shape() == sl::dims{2, 3});
  auto e = h.eval();
  static_assert(std::is_same_v<decltype(e), xt::xtensor<float, 2>>);
  CHECK(e == xt::xtensor<float, 2>{{2, 4, 6}, {8, 10, 12}});

  auto [hp, ht] = sl::get_session_tensor<float, shape<sl::dyn, 3>>(g, "reader");
  CHECK(ht.op_name() == "reader");
  // The tensor a run reads is the kept buffer itself.
  sl::any_array read = sess.run(ht.name(), {{hp, h}});
  CHECK(read.raw() == kept_value.raw());
  CHECK(read.shape() == sl::dims{2, 3});
  auto s = sess.run(sl::reduce_sum<1>(ht), {{hp, h}});
  CHECK(s == xt::xtensor<float, 1>{12, 30});
  // A handle of a fitting static shape feeds a placeholder of a looser one, and back.
  auto [hp2, ht2] = sl::get_session_tensor<float, shape<2, 3>>(g);
  CHECK(sess.run(ht2, {{hp2, h}}) == xt::xtensor<float, 2>{{2, 4, 6}, {8, 10, 12}});
  // A dynamic dimension that does not fit is reported when the run reads the value.
  auto [hp3, ht3] = sl::get_session_tensor<float, shape<3, 3>>(g, "three");
  CHECK_THROWS_WITH_AS(sess.run(ht3, {{hp3, h}}),
                       doctest::Contains("has dtype float32 and shape (2, 3), which does not fit Tensor 'three:0' of "
                                         "dtype float32 and shape (3, 3)"),
                       sl::invalid_argument);
}

TEST_CASE("TF's loop: a handle of a value computed from the last handle, 10 times; old handles are dropped") {
  sl::Graph g;
  auto [hp, ht] = sl::get_session_tensor<std::int64_t, shape<2>>(g);
  auto next = sl::get_session_handle(ht + std::int64_t{1});
  sl::Session sess(g);
  auto h = sess.run(sl::get_session_handle(sl::constant(g, {std::int64_t{10}, std::int64_t{20}})));
  for (int i = 0; i < 10; ++i) h = sess.run(next, {{hp, h}});
  CHECK(h.eval() == xt::xtensor<std::int64_t, 1>{20, 30});
  CHECK(kept(sess) == 1);  // each replaced handle dropped its tensor with its last copy
  {
    auto copy = h;  // copies share the handle: the tensor stays while one lives
  }
  CHECK(kept(sess) == 1);
  h = {};
  CHECK(kept(sess) == 0);
}

TEST_CASE("only fetched handles keep a value; handles in structures, callables and partial runs") {
  sl::Graph g;
  auto p = sl::placeholder<float, shape<>>(g, "p");
  auto q = p * 3.f;
  auto hq = sl::get_session_handle(q);
  sl::Session sess(g);
  (void)sess.run(hq.op(), {{p, 1.f}});  // run as a target: nothing kept
  CHECK(kept(sess) == 0);
  auto [v, h] = sess.run(std::tuple{q, hq}, {{p, 2.f}});
  CHECK(v == 6.f);
  CHECK(h.eval() == 6.f);
  auto f = sess.make_callable(hq, sl::feed_list(p));
  auto h2 = f(4.f);
  static_assert(std::is_same_v<decltype(h2), sl::TensorHandle<float, shape<>>>);
  CHECK(h2.eval() == 12.f);
  CHECK(h2.handle() != h.handle());
  auto pr = sess.partial_run_setup(std::tuple{q, hq}, sl::feed_list(p));
  CHECK(sess.partial_run(pr, q, {{p, 5.f}}) == 15.f);
  auto h3 = sess.partial_run(pr, hq);
  CHECK(h3.eval() == 15.f);
  CHECK(kept(sess) == 3);
}

TEST_CASE("a handle keeps the value of its run: a variable updated later does not change it") {
  sl::Graph g;
  sl::Variable<float, shape<2>> w(g, xt::xtensor<float, 1>{1, 2}, "w");
  auto bump = w.assign_add(sl::constant(g, {10.f, 10.f}));
  sl::Session sess(g);
  (void)sess.run(sl::global_variables_initializer(g));
  auto h = sess.run(sl::get_session_handle(w));
  (void)sess.run(bump);
  CHECK(sess.run(w) == xt::xtensor<float, 1>{11, 12});
  CHECK(h.eval() == xt::xtensor<float, 1>{1, 2});
  // A handle of a fed value keeps a copy (the caller's array may die).
  auto x = sl::placeholder<float, shape<2>>(g, "x");
  sl::TensorHandle<float, shape<2>> hx;
  {
    xt::xtensor<float, 1> xv = {7, 8};
    hx = sess.run(sl::get_session_handle(x), {{x, xv}});
    xv(0) = -1;
  }
  CHECK(hx.eval() == xt::xtensor<float, 1>{7, 8});
}

TEST_CASE("a handle fed to a plain tensor of a fitting type feeds its value, as TF's") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<sl::dyn>>(g, "x");
  auto y = x * 3.f;
  sl::Session sess(g);
  auto h = sess.run(sl::get_session_handle(sl::constant(g, {1.f, 2.f})));
  CHECK(sess.run(y, {{x, h}}) == xt::xtensor<float, 1>{3, 6});
}

TEST_CASE("delete_session_tensor and TensorHandle::delete_tensor, with TF's messages") {
  sl::Graph g;
  auto c = sl::constant(g, 2.0f);
  auto [hp, ht] = sl::get_session_tensor<float, shape<>>(g);
  auto [dp, del] = sl::delete_session_tensor(g);
  static_assert(std::is_same_v<decltype(dp), sl::HandlePlaceholder<>>);
  CHECK(g.at(del.id()).op == "DeleteSessionTensor");
  sl::Session sess(g);
  auto h = sess.run(sl::get_session_handle(c));
  auto h2 = sess.run(sl::get_session_handle(c));
  CHECK(kept(sess) == 2);
  CHECK(sess.run(del, {{dp, h}}) == sl::none);
  CHECK(kept(sess) == 1);
  const std::string gone = "The tensor with handle '" + h.handle() + "' is not in the session store.";
  CHECK_THROWS_WITH_AS(sess.run(ht, {{hp, h}}), doctest::Contains(gone.c_str()), sl::invalid_argument);
  CHECK_THROWS_WITH_AS(h.eval(), gone.c_str(), sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(del, {{dp, h}}),
                       doctest::Contains(("Failed to delete a tensor with handle '" + h.handle() + "' in the session store.").c_str()),
                       sl::invalid_argument);
  h2.delete_tensor();
  CHECK(kept(sess) == 0);
  CHECK_THROWS_WITH_AS(h2.delete_tensor(),
                       ("Failed to delete a tensor with handle '" + h2.handle() + "' in the session store.").c_str(),
                       sl::invalid_argument);
  sl::TensorHandle<float, shape<>> empty;
  CHECK_FALSE(empty.valid());
  CHECK_THROWS_WITH_AS(sess.run(ht, {{hp, empty}}), "The TensorHandle is empty (default-constructed)",
                       sl::invalid_argument);
}

TEST_CASE("a handle's placeholder is a string scalar, as TF's, and takes the handle's string too") {
  sl::Graph g;
  auto c = sl::constant(g, 4.0f);
  auto [hp, ht] = sl::get_session_tensor<float, shape<>>(g);
  const sl::node& p = g.at(hp.id());
  CHECK(p.type == sl::dtype::string);
  CHECK(p.shape.empty());
  CHECK_FALSE(p.unknown_rank);
  sl::Session sess(g);
  auto h = sess.run(sl::get_session_handle(c));
  // TF's feed_dict={h: handle.handle}: the string names the kept tensor.
  const std::string raw = h.handle();
  CHECK(sess.run(ht * 3.f, {{hp, raw}}) == 12.0f);
  CHECK(sess.run(ht + 1.f, {{hp, std::string_view(raw)}}) == 5.0f);
  // A string naming no kept tensor is TF's run-time error, naming the handle.
  CHECK_THROWS_WITH_AS(sess.run(ht, {{hp, "GetSessionHandle;99;nowhere"}}),
                       doctest::Contains("The tensor with handle 'GetSessionHandle;99;nowhere' is not in the session store."),
                       sl::invalid_argument);
  // A handle's string fed to a placeholder of another dtype: the kernel refuses it.
  auto [ip, it] = sl::get_session_tensor<std::int32_t, shape<>>(g);
  CHECK_THROWS_WITH_AS(sess.run(it, {{ip, raw}}), doctest::Contains("has dtype float32 and shape (), which does not fit Tensor 'GetSessionTensor_1:0' of dtype int32"),
                       sl::invalid_argument);
  CHECK(sess.run(ht, {{hp, h}}) == 4.0f);  // the session stays usable
}

TEST_CASE("handles die with their session; a handle of another session is not found") {
  sl::Graph g;
  auto c = sl::constant(g, 3.0f);
  auto [hp, ht] = sl::get_session_tensor<float, shape<>>(g);
  auto other = std::make_unique<sl::Session>(g);
  auto foreign = other->run(sl::get_session_handle(c));
  sl::Session sess(g);
  auto mine = sess.run(sl::get_session_handle(c));
  // Handle numbers are unique in the process, so another session's handle never finds a tensor here.
  CHECK(mine.handle() != foreign.handle());
  CHECK_THROWS_WITH_AS(sess.run(ht, {{hp, foreign}}),
                       doctest::Contains(("The tensor with handle '" + foreign.handle() + "' is not in the session store.").c_str()),
                       sl::invalid_argument);
  CHECK(other->run(ht, {{hp, foreign}}) == 3.0f);
  other->close();
  CHECK(kept(*other) == 0);
  CHECK_THROWS_WITH_AS(foreign.eval(), "Attempted to use a closed Session.", sl::session_closed);
  CHECK_THROWS_AS(other->run(ht, {{hp, foreign}}), sl::session_closed);
  other.reset();
  CHECK_THROWS_AS(foreign.eval(), sl::session_closed);
  foreign = {};  // the last copy dies after its session: nothing to drop
  {
    sl::Session short_lived(g);
    mine = short_lived.run(sl::get_session_handle(c));
  }
  CHECK_THROWS_WITH_AS(mine.eval(), "Attempted to use a closed Session.", sl::session_closed);
  CHECK_THROWS_AS(mine.delete_tensor(), sl::session_closed);
}
