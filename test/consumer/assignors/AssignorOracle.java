// The Java side of the assignor and ConsumerProtocol equality tests: reads
// one JSON request per line on stdin, runs the Java client's own code, and
// answers one JSON line per request, prefixed with "@@ " (anything else on
// stdout is ignored by the test). Compiled and run by java-oracle.ts against
// the kafka-clients jar of the downloaded Kafka.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupSubscription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

public class AssignorOracle {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
        // Keep library chatter off the answer channel.
        System.setOut(System.err);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            ObjectNode answer = JSON.createObjectNode();
            try {
                JsonNode req = JSON.readTree(line);
                answer.set("result", handle(req));
                answer.put("ok", true);
            } catch (Throwable e) {
                answer.put("ok", false);
                answer.put("error", e.getClass().getName() + ": " + e.getMessage());
            }
            out.println("@@ " + JSON.writeValueAsString(answer));
        }
    }

    private static JsonNode handle(JsonNode req) {
        String op = req.get("op").asText();
        switch (op) {
            case "assign": return assign(req);
            case "encodeSubscription": {
                ByteBuffer b = ConsumerProtocol.serializeSubscription(subscription(req.get("sub")), (short) req.get("version").asInt());
                return JSON.getNodeFactory().textNode(hex(b));
            }
            case "encodeAssignment": {
                Assignment a = new Assignment(partitions(req.get("partitions")), bytes(req.get("userData")));
                return JSON.getNodeFactory().textNode(hex(ConsumerProtocol.serializeAssignment(a, (short) req.get("version").asInt())));
            }
            case "decodeSubscription": {
                Subscription s = ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(unhex(req.get("hex").asText())));
                ObjectNode o = JSON.createObjectNode();
                ArrayNode topics = o.putArray("topics");
                s.topics().forEach(topics::add);
                o.set("userData", s.userData() == null ? null : JSON.getNodeFactory().textNode(hex(s.userData())));
                o.set("ownedPartitions", partitionsJson(s.ownedPartitions()));
                o.put("generationId", s.generationId().orElse(-1));
                o.set("rackId", s.rackId().isPresent() ? JSON.getNodeFactory().textNode(s.rackId().get()) : null);
                return o;
            }
            case "decodeAssignment": {
                Assignment a = ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(unhex(req.get("hex").asText())));
                ObjectNode o = JSON.createObjectNode();
                o.set("partitions", partitionsJson(a.partitions()));
                o.set("userData", a.userData() == null ? null : JSON.getNodeFactory().textNode(hex(a.userData())));
                return o;
            }
            default: throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private static JsonNode assign(JsonNode req) {
        ConsumerPartitionAssignor assignor;
        switch (req.get("assignor").asText()) {
            case "range": assignor = new RangeAssignor(); break;
            case "roundrobin": assignor = new RoundRobinAssignor(); break;
            case "cooperative-sticky": assignor = new CooperativeStickyAssignor(); break;
            default: throw new IllegalArgumentException("unknown assignor");
        }
        // As ConsumerCoordinator.onLeaderElected: a HashMap filled in JoinGroup order.
        Map<String, Subscription> subscriptions = new HashMap<>();
        for (JsonNode m : req.get("members")) {
            Subscription s = subscription(m);
            JsonNode instance = m.get("groupInstanceId");
            s.setGroupInstanceId(instance == null || instance.isNull() ? Optional.empty() : Optional.of(instance.asText()));
            subscriptions.put(m.get("id").asText(), s);
        }
        List<PartitionInfo> infos = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        int nextNode = 0;
        for (JsonNode t : req.get("topics")) {
            String topic = t.get("name").asText();
            int n = t.get("partitions").asInt();
            JsonNode racks = t.get("racks");
            for (int p = 0; p < n; p++) {
                List<Node> replicas = new ArrayList<>();
                if (racks == null || racks.isNull()) {
                    replicas.add(new Node(nextNode++, "127.0.0.1", 9092));
                } else {
                    for (JsonNode r : racks.get(p)) replicas.add(new Node(nextNode++, "127.0.0.1", 9092, r.asText()));
                }
                nodes.addAll(replicas);
                Node[] arr = replicas.toArray(new Node[0]);
                infos.add(new PartitionInfo(topic, p, arr.length > 0 ? arr[0] : null, arr, arr));
            }
        }
        Cluster cluster = new Cluster("oracle", nodes, infos, Collections.emptySet(), Collections.emptySet());
        Map<String, Assignment> result = assignor.assign(cluster, new GroupSubscription(subscriptions)).groupAssignment();
        ObjectNode o = JSON.createObjectNode();
        for (Map.Entry<String, Assignment> e : result.entrySet()) o.set(e.getKey(), partitionsJson(e.getValue().partitions()));
        return o;
    }

    private static Subscription subscription(JsonNode m) {
        List<String> topics = new ArrayList<>();
        for (JsonNode t : m.get("topics")) topics.add(t.asText());
        JsonNode rack = m.get("rackId");
        return new Subscription(topics, bytes(m.get("userData")), partitions(m.get("ownedPartitions")),
            m.get("generationId").asInt(), rack == null || rack.isNull() ? Optional.empty() : Optional.of(rack.asText()));
    }

    private static List<TopicPartition> partitions(JsonNode list) {
        List<TopicPartition> out = new ArrayList<>();
        for (JsonNode tp : list) out.add(new TopicPartition(tp.get(0).asText(), tp.get(1).asInt()));
        return out;
    }

    private static ArrayNode partitionsJson(List<TopicPartition> list) {
        ArrayNode a = JSON.createArrayNode();
        for (TopicPartition tp : list) {
            ArrayNode pair = a.addArray();
            pair.add(tp.topic());
            pair.add(tp.partition());
        }
        return a;
    }

    private static ByteBuffer bytes(JsonNode hexOrNull) {
        return hexOrNull == null || hexOrNull.isNull() ? null : ByteBuffer.wrap(unhex(hexOrNull.asText()));
    }

    private static String hex(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        StringBuilder sb = new StringBuilder();
        while (d.hasRemaining()) sb.append(String.format("%02x", d.get() & 0xff));
        return sb.toString();
    }

    private static byte[] unhex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return out;
    }

}
