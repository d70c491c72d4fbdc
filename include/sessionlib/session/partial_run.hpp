// Partial runs (TF's partial_run_setup / partial_run): one run fed and fetched
// in several steps. The handle keeps every value fed or computed so far, so a
// later step computes only what it still needs: those kept values enter its
// plan as feeds, and nothing already computed runs again.
//
//     auto h = sess.partial_run_setup(std::tuple{r1, r2}, sl::feed_list(p, q));
//     float s1 = sess.partial_run(h, r1, {{p, 1.f}, {q, 2.f}});
//     float s2 = sess.partial_run(h, r2);            // r1 is not computed again
//
// TF's rules: each feed of the setup is fed at most once, each fetch fetched at
// most once, and only those of the setup. A node without output (an op run for
// its effect) that a later step needs as a control input runs again.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "../config.hpp"
#include "session.hpp"

namespace sessionlib {

namespace detail {
/// What a partial run keeps between its steps.
struct partial_run_state {
  std::shared_ptr<session_impl> impl;
  std::mutex m;
  std::vector<output_ref> feeds;    // the setup's feeds, sorted
  std::vector<bool> fed;            // parallel to feeds
  std::vector<output_ref> fetches;  // the setup's fetches (targets as output 0), sorted
  std::vector<bool> fetched;        // parallel to fetches
  std::map<output_ref, any_array> values;  // fed or computed so far

  std::string fetch_name(output_ref r) const {
    const Graph& g = impl->graph();
    return g.at(r).has_output ? g.tensor_name(r) : g.at(r).name;
  }
};

#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE std::size_t index_in(const std::vector<output_ref>& sorted, output_ref id) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), id);
  return it != sorted.end() && *it == id ? static_cast<std::size_t>(it - sorted.begin()) : sorted.size();
}
#else
SESSIONLIB_DECLARE std::size_t index_in(const std::vector<output_ref>& sorted, output_ref id);
#endif
}  // namespace detail

/// A partial run in progress; copies refer to the same run. Its kept values are
/// released when the last copy dies.
class partial_run_handle {
 public:
  partial_run_handle() = default;
  bool valid() const noexcept { return state_ != nullptr; }

 private:
  friend class Session;
  std::shared_ptr<detail::partial_run_state> state_;
};

template <class F>
partial_run_handle Session::partial_run_setup(const F& fetches) const {
  return partial_run_setup(fetches, feed_list_t<>{});
}

template <class F, class T, class S>
partial_run_handle Session::partial_run_setup(const F& fetches, const feed_vector_t<T, S>& feeds) const {
  partial_run_handle h = partial_run_setup(fetches, feed_list_t<>{});
  detail::partial_run_state& st = *h.state_;
  for (const auto& t : feeds.tensors) {
    if (&t.graph() != &impl_->graph()) throw invalid_argument("Cannot feed a tensor of another graph", t.op_name());
    st.feeds.push_back(t.id());
  }
  std::sort(st.feeds.begin(), st.feeds.end());
  st.feeds.erase(std::unique(st.feeds.begin(), st.feeds.end()), st.feeds.end());
  st.fed.assign(st.feeds.size(), false);
  return h;
}

template <class F, class... X>
partial_run_handle Session::partial_run_setup(const F& fetches, const named_feed_list_t<X...>& feeds) const {
  return partial_run_setup(fetches, feeds.resolve(graph()));
}

template <class F, class... X>
partial_run_handle Session::partial_run_setup(const F& fetches, const feed_list_t<X...>& feeds) const {
  impl_->check_open();
  auto st = std::make_shared<detail::partial_run_state>();
  st->impl = impl_;
  fetch_collector c;
  c.graph = &impl_->graph();
  detail::fetch_impl<std::remove_cvref_t<F>>::collect(fetches, c);
  for (const auto& l : c.leaves) st->fetches.push_back({l.id, l.index});
  std::apply(
      [&](const auto&... t) {
        ((&t.graph() != &impl_->graph() ? throw invalid_argument("Cannot feed a tensor of another graph", t.op_name())
                                        : st->feeds.push_back(t.id())),
         ...);
      },
      feeds.tensors);
  for (auto* v : {&st->fetches, &st->feeds}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  st->fed.assign(st->feeds.size(), false);
  st->fetched.assign(st->fetches.size(), false);
  partial_run_handle h;
  h.state_ = std::move(st);
  return h;
}

template <class F>
fetch_result_t<F> Session::partial_run(const partial_run_handle& h, const F& fetches,
                                       std::initializer_list<feed_entry> feeds) const {
  using impl_t = detail::fetch_impl<std::remove_cvref_t<F>>;
  impl_->check_open();
  if (!h.state_ || h.state_->impl != impl_)
    throw invalid_argument("The partial run handle is not of this session (or was never set up).");
  detail::partial_run_state& st = *h.state_;
  std::lock_guard lock(st.m);
  const Graph& g = impl_->graph();

  // Feeds: each in the setup, not fed before (nor twice in this call). A
  // sparse feed stands for three single-tensor entries.
  std::vector<const feed_entry*> flat;
  for (const feed_entry& entry : feeds) {
    for (const feed_entry& f : entry.parts()) {
      f.resolve(impl_->graph());  // a key given by name: now its output
      flat.push_back(&f);
    }
  }
  std::vector<std::size_t> feed_pos;
  for (const feed_entry* fp : flat) {
    const feed_entry& f = *fp;
    if (f.graph != &g) throw invalid_argument("Cannot feed a tensor of another graph", f.graph->at(f.id).name);
    const std::size_t i = detail::index_in(st.feeds, f.id);
    const std::string name = g.tensor_name(f.id);
    if (i == st.feeds.size())
      throw invalid_argument("The feed " + name + " was not specified in partial_run_setup.", g.at(f.id).name);
    if (st.fed[i] || std::find(feed_pos.begin(), feed_pos.end(), i) != feed_pos.end())
      throw invalid_argument("The feed " + name + " has already been fed.", g.at(f.id).name);
    feed_pos.push_back(i);
  }
  // Fetches: each in the setup and not fetched before.
  fetch_collector c;
  c.graph = &impl_->graph();
  impl_t::collect(fetches, c);
  for (const auto& l : c.leaves) {
    const output_ref r{l.id, l.index};
    const std::size_t i = detail::index_in(st.fetches, r);
    if (i == st.fetches.size())
      throw invalid_argument("The fetch " + st.fetch_name(r) + " was not specified in partial_run_setup.",
                             g.at(l.id).name);
    if (st.fetched[i])
      throw invalid_argument("The fetch " + st.fetch_name(r) + " has already been fetched.", g.at(l.id).name);
  }

  // What must run: the fetches' ancestors not yet available, stopping at kept
  // values and this call's feeds. A setup feed not fed yet cannot be crossed.
  auto available = [&](output_ref r) {
    if (st.values.count(r)) return true;
    for (const feed_entry* f : flat)
      if (f->id == r) return true;
    return false;
  };
  std::vector<node_id> need, stack;
  std::vector<output_ref> frontier;
  std::vector<std::uint8_t> seen(g.size(), 0);
  for (const auto& l : c.leaves) {
    const output_ref leaf{l.id, l.index};
    auto visit = [&](node_id id) {
      if (!seen[id]) {
        seen[id] = 1;
        stack.push_back(id);
      }
    };
    // An output that is available is read; one that is a setup feed not fed yet cannot be computed.
    auto reach = [&](output_ref r) {
      if (available(r)) {
        frontier.push_back(r);
        return;
      }
      if (detail::index_in(st.feeds, r) < st.feeds.size())
        throw invalid_argument("Fetch " + st.fetch_name(leaf) +
                                   " can't be computed from the feeds that have been fed so far.",
                               g.at(l.id).name);
      visit(r.node);
    };
    if (l.wants_value) reach(leaf);
    else visit(l.id);
    while (!stack.empty()) {
      const node_id id = stack.back();
      stack.pop_back();
      need.push_back(id);
      const node& n = g.at(id);
      for (output_ref in : n.inputs) reach(in);
      // A control input with a kept value has run; an operation runs again.
      for (node_id in : n.control_inputs)
        if (!(g.at(in).num_outputs() == 1 && available(in))) visit(in);
    }
  }

  // Keep this call's feeds (owned copies: the entries die with the call).
  for (const feed_entry* fp : flat) {
    const feed_entry& f = *fp;
    any_array v;
    session_impl::place_feed(g.at(f.id), f.id.index, f.view(), v);
    st.values[f.id] = v.borrowed() || !v.unique() ? v.clone() : v;
  }
  for (std::size_t i : feed_pos) st.fed[i] = true;

  // A plan for the fetches plus every output of every node that runs (so all
  // stay pinned and are kept), fed with the available values it reads.
  std::vector<detail::fetch_leaf> leaves = c.leaves;
  const std::size_t user_leaves = leaves.size();
  for (node_id id : need)
    for (std::uint32_t k = 0; k < g.at(id).num_outputs(); ++k) leaves.push_back({id, true, k});
  std::sort(frontier.begin(), frontier.end());
  frontier.erase(std::unique(frontier.begin(), frontier.end()), frontier.end());
  auto p = detail::build_plan(g, leaves, frontier, impl_->plan_opts());
  std::vector<any_array> values;
  values.reserve(frontier.size());
  for (output_ref r : frontier) values.push_back(st.values.at(r));
  auto result = impl_->run_plan(*p, values, nullptr, nullptr, [&](fetch_reader& r) {
    for (std::size_t i = user_leaves; i < leaves.size(); ++i) {
      const any_array& v = *r.values[i];
      st.values[{leaves[i].id, leaves[i].index}] = v.borrowed() ? v.clone() : v;
    }
    return impl_t::build(fetches, r);
  });
  for (const auto& l : c.leaves) st.fetched[detail::index_in(st.fetches, {l.id, l.index})] = true;
  return result;
}

}  // namespace sessionlib
