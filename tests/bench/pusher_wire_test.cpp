// SPDX-License-Identifier: MIT
// test-links: shoal_loadgen_lib
// Recognising the Pusher messages the load generator reacts to, and the messages it sends.
#include "bench/loadgen/pusher_wire.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace shoal::loadgen;

TEST_CASE("pusher_wire: server messages are classified by their event name", "[bench][pusher]") {
    const std::string established =
        R"({"event":"pusher:connection_established","data":"{\"socket_id\":\"123.456\",\"activity_timeout\":120}"})";
    REQUIRE(classify(established) == PusherEvent::ConnectionEstablished);
    REQUIRE(socket_id_of(established) == "123.456");
    REQUIRE(classify(R"({"event" : "pusher_internal:subscription_succeeded","channel":"a"})") ==
            PusherEvent::SubscriptionSucceeded);
    REQUIRE(classify(R"({"event":"pusher:ping","data":{}})") == PusherEvent::Ping);
    REQUIRE(classify(R"({"event":"pusher:error","data":{"code":4009}})") == PusherEvent::Error);
    REQUIRE(classify(R"({"event":"bench","channel":"a","data":"x"})") == PusherEvent::Other);
    REQUIRE(classify("not json") == PusherEvent::Other);
    REQUIRE(event_name(R"({"event":)") == "");
}

TEST_CASE("pusher_wire: the client-event rate-limit error is told apart from other errors",
          "[bench][pusher]") {
    REQUIRE(refuses_client_event(
        R"({"event":"pusher:error","data":{"code":4301,"message":"client event rate limit"}})"));
    REQUIRE(refuses_client_event(R"({"event":"pusher:error","data":{"code": 4301}})"));
    REQUIRE_FALSE(refuses_client_event(R"({"event":"pusher:error","data":{"code":4009}})"));
    REQUIRE_FALSE(refuses_client_event(R"({"event":"pusher:error","data":{"code":43010}})"));
    REQUIRE_FALSE(refuses_client_event(R"({"event":"pusher:error","data":{}})"));
}

TEST_CASE("pusher_wire: a socket_id is found in escaped and unescaped data", "[bench][pusher]") {
    REQUIRE(socket_id_of(R"({"data":{"socket_id":"9.8"}})") == "9.8");
    REQUIRE(socket_id_of(R"({"data":"{}"})") == "");
}

TEST_CASE("pusher_wire: subscribe, pong, client event and batch bodies are exact JSON",
          "[bench][pusher]") {
    REQUIRE(subscribe_message("bench-1", "") ==
            R"({"event":"pusher:subscribe","data":{"channel":"bench-1"}})");
    REQUIRE(subscribe_message("private-a", "k:s") ==
            R"({"event":"pusher:subscribe","data":{"channel":"private-a","auth":"k:s"}})");
    REQUIRE(pong_message() == R"({"event":"pusher:pong","data":{}})");
    REQUIRE(client_event_message("private-a", "client-x", "d") ==
            R"({"event":"client-x","channel":"private-a","data":"d"})");
    std::string body;
    begin_batch(body);
    append_batch_event(body, "a", "bench", "1");
    append_batch_event(body, "b", "bench", "2");
    end_batch(body);
    REQUIRE(
        body ==
        R"({"batch":[{"channel":"a","name":"bench","data":"1"},{"channel":"b","name":"bench","data":"2"}]})");
    begin_batch(body);
    end_batch(body);
    REQUIRE(body == R"({"batch":[]})");
}
