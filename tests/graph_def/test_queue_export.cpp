// Queue ops in a GraphDef (issue 14): TF's op types, inputs and attributes
// (component_types, shapes, capacity, container, shared_name, min_after_dequeue,
// seed, seed2; Tcomponents, timeout_ms; cancel_pending_enqueues).
#include <doctest/doctest.h>

#include <sessionlib/graph_def.hpp>
#include <sessionlib/ops/queue.hpp>

namespace sl = sessionlib;

TEST_CASE("to_graph_def writes queue ops as TF's V2 queue ops") {
  sl::Graph g;
  g.set_seed(3);
  auto x = sl::placeholder<float, sl::shape<784>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<>>(g, "y");
  sl::RandomShuffleQueue<std::tuple<float, std::int64_t>, std::tuple<sl::shape<784>, sl::shape<>>> q(
      g, 100, 10, {.shared_name = "shuffled", .seed = 5});
  auto enq = q.enqueue(std::tuple{x, y});
  auto [xs, ys] = q.dequeue_many(32);
  auto up = q.dequeue_up_to(4);
  auto close = q.close(true);
  auto size = q.size();
  sl::PriorityQueue<std::tuple<float>, std::tuple<sl::shape<2>>> pq(g, -1);
  sl::PaddingFIFOQueue<float, sl::shape<sl::dyn>> padq(g, 8);
  sl::FIFOQueue<float, sl::shape<>> fq(g, 8);
  (void)fq.dequeue();
  (void)up;
  (void)size;
  const sl::GraphDef def = sl::to_graph_def(g);
  using L = sl::AttrValue::ListValue;

  const sl::NodeDef* qn = def.find("random_shuffle_queue");
  REQUIRE(qn);
  CHECK(qn->op == "RandomShuffleQueueV2");
  CHECK(qn->attr.at("component_types").get_if<L>()->type ==
        std::vector<sl::DataType>{sl::DataType::DT_FLOAT, sl::DataType::DT_INT64});
  CHECK(qn->attr.at("shapes").get_if<L>()->shape ==
        std::vector<sl::TensorShapeProto>{sl::TensorShapeProto::of({784}), sl::TensorShapeProto::of({})});
  CHECK(qn->attr.at("capacity") == sl::AttrValue(std::int64_t{100}));
  CHECK(qn->attr.at("min_after_dequeue") == sl::AttrValue(std::int64_t{10}));
  CHECK(qn->attr.at("seed") == sl::AttrValue(std::int64_t{3}));
  CHECK(qn->attr.at("seed2") == sl::AttrValue(std::int64_t{5}));
  CHECK(qn->attr.at("shared_name") == sl::AttrValue(std::string("shuffled")));
  CHECK(qn->attr.at("container") == sl::AttrValue(std::string()));
  CHECK_FALSE(qn->attr.count("T"));

  const sl::NodeDef* e = def.find(g.at(enq.id()).name);
  REQUIRE(e);
  CHECK(e->op == "QueueEnqueueV2");
  CHECK(e->input == std::vector<std::string>{"random_shuffle_queue", "x", "y"});
  CHECK(e->attr.at("Tcomponents").get_if<L>()->type ==
        std::vector<sl::DataType>{sl::DataType::DT_FLOAT, sl::DataType::DT_INT64});
  CHECK(e->attr.at("timeout_ms") == sl::AttrValue(std::int64_t{-1}));

  const sl::NodeDef* d = def.find(g.at(xs.id()).name);
  REQUIRE(d);
  CHECK(d->op == "QueueDequeueManyV2");
  CHECK(d->input.size() == 2);
  CHECK(d->input[0] == "random_shuffle_queue");
  CHECK(d->attr.at("component_types").get_if<L>()->type ==
        std::vector<sl::DataType>{sl::DataType::DT_FLOAT, sl::DataType::DT_INT64});
  CHECK(def.find("random_shuffle_queue_DequeueUpTo")->op == "QueueDequeueUpToV2");
  CHECK(d->attr.at("timeout_ms") == sl::AttrValue(std::int64_t{-1}));
  CHECK(def.find("random_shuffle_queue_Size")->op == "QueueSizeV2");

  const sl::NodeDef* c = def.find(close.name());
  REQUIRE(c);
  CHECK(c->op == "QueueCloseV2");
  CHECK(c->attr.at("cancel_pending_enqueues") == sl::AttrValue(true));
  CHECK(g.at(close.id()).attr.get<sl::queue_close_attrs>() == sl::queue_close_attrs{.cancel_pending_enqueues = true});

  // A priority queue lists only the components after its int64 priority, as TF's.
  const sl::NodeDef* p = def.find("priority_queue");
  REQUIRE(p);
  CHECK(p->op == "PriorityQueueV2");
  CHECK(p->attr.at("component_types").get_if<L>()->type == std::vector<sl::DataType>{sl::DataType::DT_FLOAT});
  CHECK(p->attr.at("shapes").get_if<L>()->shape == std::vector<sl::TensorShapeProto>{sl::TensorShapeProto::of({2})});
  CHECK(p->attr.at("capacity") == sl::AttrValue(std::int64_t{-1}));
  CHECK(def.find("padding_fifo_queue")->op == "PaddingFIFOQueueV2");
  CHECK(def.find("padding_fifo_queue")->attr.at("shapes").get_if<L>()->shape ==
        std::vector<sl::TensorShapeProto>{sl::TensorShapeProto::of({-1})});
  CHECK(def.find("fifo_queue")->op == "FIFOQueueV2");
  CHECK(def.find("fifo_queue_Dequeue")->op == "QueueDequeueV2");
  // Only RandomShuffleQueueV2 has min_after_dequeue, seed and seed2 (TF rejects them
  // elsewhere); the kind is the op type, not an attribute.
  const sl::NodeDef* f = def.find("fifo_queue");
  CHECK(f->attr.at("capacity") == sl::AttrValue(std::int64_t{8}));
  for (const char* absent : {"min_after_dequeue", "seed", "seed2", "kind", "_sessionlib_kind"}) {
    CAPTURE(absent);
    CHECK_FALSE(f->attr.count(absent));
  }
  CHECK(g.at(fq.id()).attr.get<sl::queue_attrs>().capacity == 8);
}
