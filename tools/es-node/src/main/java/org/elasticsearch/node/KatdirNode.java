package org.elasticsearch.node;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.plugins.MockPluginsService;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Runs one or more real Elasticsearch nodes inside this JVM, for tests and local development.
 *
 * Why this package: Node's constructor taking a NodeConstruction, NodeConstruction itself and
 * NodeServiceProvider are package-private; living here lets us swap in our own plugin service.
 *
 * Why not the real launcher (org.elasticsearch.bootstrap.Elasticsearch): it needs a distribution
 * layout (modules/, jvm options, the entitlement agent), refuses to run as root and runs the
 * production bootstrap checks. Why not the test framework's MockNode: its settings touch
 * ESTestCase, whose static init installs the test bootstrap (which also refuses root).
 *
 * Usage: java -cp 'target/classes:target/lib/*' org.elasticsearch.node.KatdirNode
 *          --home DIR [--nodes N] [--http-port P] [--transport-port P] [--ports-file FILE]
 *          [--cluster-name NAME] [--node I --transport-ports P0,P1,...]
 *   --http-port / --transport-port: first port to try (default 9200 / 9300); the next free ones
 *   are used when taken; 0 means "any free port".
 *   --node I: run only node I of the N-node cluster (one JVM per node, so that one node can be
 *   killed alone); --transport-ports then lists every node's transport port (the seed hosts).
 *   Data lives in DIR/data (one node) or DIR/data/node-I (several nodes); DIR/config is created
 *   empty because Environment insists on a config directory.
 *   Once every node is up, FILE gets: line 1 = comma-separated base URLs, line 2 = the ports.
 */
public class KatdirNode extends Node {

    // Set once in main before any node exists; read by configureNodeAndClusterIdStateListener.
    private static boolean multiNode;

    KatdirNode(Environment environment) {
        super(NodeConstruction.prepareConstruction(environment, null, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, PluginsLoader ignored) {
                // Elastic does not publish its modules as plugins on Maven Central; of everything
                // in a distribution we only need netty4 (the HTTP + transport implementation).
                // KatdirRootPlugin replaces the rest-root module (GET /, HEAD /). Core field
                // types, queries and aggregations live in the server jar itself.
                // MockPluginsService loads plugin classes straight from the classpath (no
                // plugin descriptors, no module layers, no jar-hell check).
                return new MockPluginsService(env.settings(), env, List.of(Netty4Plugin.class, KatdirRootPlugin.class));
            }
        }, true));
    }

    @Override
    protected void configureNodeAndClusterIdStateListener(ClusterService clusterService) {
        // The default registers a listener that stores node/cluster id in a JVM-wide SetOnce for
        // log lines; a second node in the same JVM would throw. It only affects logging.
        if (multiNode == false) {
            super.configureNodeAndClusterIdStateListener(clusterService);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parseArgs(args);
        Path home = Path.of(require(opts, "home")).toAbsolutePath();
        int nodes = Integer.parseInt(opts.getOrDefault("nodes", "1"));
        String clusterName = opts.getOrDefault("cluster-name", nodes == 1 ? "katdir-dev" : "katdir-test-cluster");
        String portsFile = opts.get("ports-file");
        // --node I: this JVM runs node I alone; the others run in JVMs of their own.
        Integer only = opts.containsKey("node") ? Integer.valueOf(opts.get("node")) : null;
        multiNode = nodes > 1 && only == null;

        configureLogging();
        Logger log = LogManager.getLogger(KatdirNode.class);
        long t0 = System.nanoTime();

        // Pick concrete ports up front: several nodes must know each other's transport ports
        // (discovery.seed_hosts) before any of them starts. There is a tiny race between probing
        // and binding; acceptable for a dev/test tool.
        List<Integer> httpPorts;
        List<Integer> transportPorts;
        if (only == null) {
            httpPorts = freePorts(Integer.parseInt(opts.getOrDefault("http-port", "9200")), nodes, List.of());
            transportPorts = freePorts(Integer.parseInt(opts.getOrDefault("transport-port", "9300")), nodes, httpPorts);
        } else {
            // The other nodes' ports are fixed by whoever planned the cluster (esctl).
            transportPorts = java.util.Arrays.stream(require(opts, "transport-ports").split(",")).map(Integer::valueOf).toList();
            if (transportPorts.size() != nodes || only < 0 || only >= nodes) {
                throw new IllegalArgumentException("--node " + only + " needs --transport-ports with " + nodes + " ports");
            }
            httpPorts = new ArrayList<>(java.util.Collections.nCopies(nodes, 0));
            httpPorts.set(only, freePorts(Integer.parseInt(opts.getOrDefault("http-port", "9200")), 1, transportPorts).get(0));
        }
        List<String> nodeNames = IntStream.range(0, nodes).mapToObj(i -> nodes == 1 ? "katdir-node" : "katdir-node-" + i).toList();
        String seeds = transportPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));

        boolean freshCluster = Files.exists(only == null ? home.resolve("data") : home.resolve("data").resolve("node-" + only)) == false;
        Files.createDirectories(home.resolve("config"));
        List<KatdirNode> started = new ArrayList<>();
        // Registered before starting, so a SIGTERM during start-up also closes what is running.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAll(started, log), "katdir-es-shutdown"));

        List<KatdirNode> all = new ArrayList<>();
        try {
            for (int i = 0; i < nodes; i++) {
                if (only != null && i != only) {
                    continue;
                }
                Settings.Builder s = Settings.builder()
                    .put("path.home", home.toString())
                    .put("path.data", (nodes == 1 ? home.resolve("data") : home.resolve("data").resolve("node-" + i)).toString())
                    .put("cluster.name", clusterName)
                    .put("node.name", nodeNames.get(i))
                    .put("network.host", "127.0.0.1")
                    .put("http.port", httpPorts.get(i))
                    .put("transport.port", transportPorts.get(i))
                    // Tests delete indices by wildcard; a dev box's disk may be nearly full (which
                    // would otherwise make indices read-only); the "real memory" breaker trips
                    // spuriously with a small heap shared by several nodes.
                    .put("action.destructive_requires_name", false)
                    .put("cluster.routing.allocation.disk.threshold_enabled", false)
                    .put("indices.breaker.total.use_real_memory", false)
                    // Small thread pools: less memory and faster start on CI machines.
                    .put("node.processors", Math.min(2, Runtime.getRuntime().availableProcessors()));
                if (nodes == 1) {
                    s.put("discovery.type", "single-node");
                } else {
                    s.put("discovery.seed_hosts", seeds);
                    // Bootstraps a brand-new cluster only. Once the nodes have data they are
                    // locked to their cluster UUID and ES warns if the setting is still present.
                    if (freshCluster) {
                        s.putList("cluster.initial_master_nodes", nodeNames);
                    }
                }
                Settings settings = s.build();
                String nodeName = nodeNames.get(i);
                Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> nodeName);
                all.add(new KatdirNode(env));
            }
            // Start all nodes before waiting for anything: a multi-node cluster only elects a
            // master (and Node.start() only returns) once a quorum of them is running. Node.start()
            // blocks until the node has joined a cluster (discovery.initial_state_timeout, 30s),
            // so start them in parallel.
            List<Thread> starters = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (KatdirNode n : all) {
                Thread t = new Thread(() -> {
                    try {
                        n.start();
                        synchronized (started) { started.add(n); }
                    } catch (Throwable e) {
                        synchronized (failures) { failures.add(e); }
                    }
                }, "katdir-start-" + n.settings().get("node.name"));
                t.start();
                starters.add(t);
            }
            for (Thread t : starters) {
                t.join();
            }
            if (failures.isEmpty() == false) {
                throw new IllegalStateException("node failed to start", failures.get(0));
            }
        } catch (Throwable e) {
            log.fatal("failed to start Elasticsearch", e);
            System.err.println("katdir-es: failed to start Elasticsearch: " + e);
            // The shutdown hook closes whatever started; exit non-zero so scripts notice.
            System.exit(1);
        }

        List<Integer> bound = new ArrayList<>();
        for (KatdirNode n : all) {
            bound.add(n.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort());
        }
        String urls = bound.stream().map(p -> "http://127.0.0.1:" + p).collect(Collectors.joining(","));
        String portList = bound.stream().map(String::valueOf).collect(Collectors.joining(","));
        log.info("katdir-es: {} node(s) started in {} ms: {}", all.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), urls);
        System.out.println("katdir-es: listening on " + urls);
        if (portsFile != null) {
            // Write-then-rename so a poller never reads a half-written file.
            Path target = Path.of(portsFile).toAbsolutePath();
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.writeString(tmp, urls + "\n" + portList + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        // Elasticsearch's threads are all daemon threads (the real launcher has a dedicated
        // keep-alive thread), so park main forever; SIGTERM/SIGINT run the shutdown hook.
        new CountDownLatch(1).await();
    }

    private static void closeAll(List<KatdirNode> nodes, Logger log) {
        List<KatdirNode> copy;
        synchronized (nodes) {
            copy = new ArrayList<>(nodes);
        }
        // In parallel: closed one by one, the remaining nodes would spend the time (and log
        // warnings) trying to reconnect to the ones already gone.
        copy.parallelStream().forEach(n -> {
            try {
                n.close();
                // close() only initiates; wait so Lucene commits and the data dir lock is released
                // before the JVM exits (otherwise the next start may need translog recovery).
                n.awaitClose(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("error while stopping node", e);
            }
        });
        System.out.println("katdir-es: stopped");
        LogManager.shutdown();
    }

    /** Console-only logging at INFO for Elasticsearch's lifecycle, WARN for noisy packages. */
    private static void configureLogging() {
        // Sets ES's own logging facade (else LoggerFactory.provider() is null) and the status logger.
        // We never call LogConfigurator.configure(env): it wants log4j2.properties in the config dir
        // and file appenders under path.logs.
        LogConfigurator.configureWithoutConfig(Settings.EMPTY);
        ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setStatusLevel(Level.ERROR);
        b.add(b.newAppender("console", "Console")
            .addAttribute("target", ConsoleAppender.Target.SYSTEM_OUT)
            .add(b.newLayout("PatternLayout").addAttribute("pattern", "[%d{ISO8601}][%-5p][%c{1.}] [%t] %m%n")));
        b.add(b.newRootLogger(Level.WARN).add(b.newAppenderRef("console")));
        // The start/stop/"started" milestones and cluster state changes are useful in node.log.
        for (String name : List.of("org.elasticsearch.node.Node", "org.elasticsearch.cluster.service",
            "org.elasticsearch.cluster.coordination", "org.elasticsearch.http", "org.elasticsearch.node.KatdirNode")) {
            b.add(b.newLogger(name, Level.INFO).add(b.newAppenderRef("console")).addAttribute("additivity", false));
        }
        Configurator.reconfigure(b.build());
    }

    /** count free ports on 127.0.0.1, trying first, first+1, ...; first == 0: any free ports. */
    private static List<Integer> freePorts(int first, int count, List<Integer> exclude) throws IOException {
        List<Integer> ports = new ArrayList<>();
        for (int p = first; ports.size() < count; p++) {
            if (first != 0 && p > 65535) {
                throw new IOException("no free port at or above " + first);
            }
            if (first != 0 && exclude.contains(p)) {
                continue;
            }
            try (ServerSocket ss = new ServerSocket()) {
                ss.setReuseAddress(true); // same as Elasticsearch's own bind (TIME_WAIT is fine)
                ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), first == 0 ? 0 : p));
                int got = ss.getLocalPort();
                if (exclude.contains(got) == false && ports.contains(got) == false) {
                    ports.add(got);
                }
            } catch (IOException taken) {
                // port in use: try the next one
            }
        }
        return ports;
    }

    private static Map<String, String> parseArgs(String[] args) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--") == false || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: --home DIR [--nodes N] [--http-port P] [--transport-port P]"
                    + " [--ports-file FILE] [--cluster-name NAME] [--node I --transport-ports P,...]; bad argument: " + args[i]);
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    private static String require(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }
}
