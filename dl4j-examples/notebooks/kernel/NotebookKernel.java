import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.LogManager;
import java.util.logging.Logger;

import org.rapaio.jupyter.kernel.MainApp;
import org.rapaio.jupyter.kernel.channels.Channels;
import org.rapaio.jupyter.kernel.channels.LoopThread;
import org.rapaio.jupyter.kernel.channels.MessageHandler;
import org.rapaio.jupyter.kernel.core.ConnectionProperties;
import org.rapaio.jupyter.kernel.core.RapaioKernel;
import org.rapaio.jupyter.kernel.core.Transform;
import org.rapaio.jupyter.kernel.message.MessageType;

/**
 * Starts the rapaio Java kernel (version 3.0.1, the one Maven Central serves) without its two start-up races.
 *
 * <p>{@code Channels.connect} in rapaio-jupyter-kernel 3.0.1 binds the sockets and starts the shell thread
 * <em>before</em> it fills the table of message handlers. Jupyter sends {@code kernel_info_request} as soon as it has
 * connected, so the request is often waiting when the socket is bound; if the shell thread reads it in that window it
 * looks the handler up in a table that is still {@code null}, dies with a {@code NullPointerException}, and the kernel
 * never answers (Jupyter reports "Kernel didn't respond").
 *
 * <p>A second race sits in its {@code LoopThread.start()}, which starts the thread and only then sets the
 * {@code running} flag that the thread's loop tests first: a thread scheduled at once sees {@code false} and ends
 * before it has polled its socket. When this hits the shell channel, the kernel binds every socket, logs nothing and
 * never answers.
 *
 * <p>This launcher does what rapaio's own {@code MainApp} does, in a safe order: it registers the channels with the
 * kernel and installs the same handler table before {@code connect} binds anything ({@code connect} then installs an
 * equal table), and after {@code connect} it checks the heartbeat, control and shell loops and replaces any loop that
 * ended at birth by a new thread running the same loop body. The kernel itself, its magics ({@code %jars}) and
 * {@code display(...)} are rapaio's, unchanged.
 *
 * <p>Usage (what {@code install-kernel.sh} writes into the kernel spec):
 * {@code java -cp rapaio-jupyter-kernel-3.0.1.jar:<this class> NotebookKernel <connection file>}.
 */
public final class NotebookKernel {

    private static final Logger LOGGER = Logger.getLogger(NotebookKernel.class.getSimpleName());
    private static final String RAPAIO_VERSION = "3.0.1";
    private static final long BIRTH_MILLIS = 200;
    private static final int MAX_RESTARTS = 20;

    private NotebookKernel() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("NotebookKernel expects one argument, Jupyter's connection file; got "
                    + args.length);
        }
        Path connectionFile = Path.of(args[0]);
        if (!Files.isRegularFile(connectionFile)) {
            throw new IllegalArgumentException("NotebookKernel: connection file '" + connectionFile
                    + "' is not a file");
        }
        LogManager.getLogManager().readConfiguration(
                MainApp.class.getClassLoader().getResourceAsStream("logging.properties"));
        ConnectionProperties connection = Transform.fromJson(
                Files.readString(connectionFile, StandardCharsets.UTF_8), ConnectionProperties.class);

        RapaioKernel kernel = MainApp.kernel; // display(...) in notebooks talks to this instance
        Channels channels = new Channels(connection);
        kernel.registerChannels(channels);
        installHandlers(channels, handlerTable(kernel));
        channels.connect(kernel);
        for (String channel : new String[] {"heartbeat", "control", "shell"}) {
            keepLoopRunning(field(Channels.class, channel).get(channels));
        }
        channels.joinUntilClose();
    }

    /** The message types the kernel answers and the kernel method that answers each, as in rapaio's own start-up. */
    private static Map<MessageType<?>, MessageHandler<?>> handlerTable(RapaioKernel kernel) {
        Map<MessageType<?>, MessageHandler<?>> table = new HashMap<>();
        put(table, MessageType.SHELL_EXECUTE_REQUEST, kernel::handleExecuteRequest);
        put(table, MessageType.SHELL_INSPECT_REQUEST, kernel::handleInspectRequest);
        put(table, MessageType.SHELL_COMPLETE_REQUEST, kernel::handleCompleteRequest);
        put(table, MessageType.SHELL_HISTORY_REQUEST, kernel::handleHistoryRequest);
        put(table, MessageType.SHELL_IS_COMPLETE_REQUEST, kernel::handleIsCompleteRequest);
        put(table, MessageType.SHELL_KERNEL_INFO_REQUEST, kernel::handleKernelInfoRequest);
        put(table, MessageType.CONTROL_SHUTDOWN_REQUEST, kernel::handleShutdownRequest);
        put(table, MessageType.CONTROL_INTERRUPT_REQUEST, kernel::handleInterruptRequest);
        put(table, MessageType.CUSTOM_COMM_OPEN, kernel::handleCommOpenCommand);
        put(table, MessageType.CUSTOM_COMM_MSG, kernel::handleCommMsgCommand);
        put(table, MessageType.CUSTOM_COMM_CLOSE, kernel::handleCommCloseCommand);
        put(table, MessageType.SHELL_COMM_INFO_REQUEST, kernel::handleCommInfoRequest);
        return table;
    }

    private static <T> void put(Map<MessageType<?>, MessageHandler<?>> table, MessageType<T> type,
            MessageHandler<T> handler) {
        table.put(type, handler);
    }

    private static void installHandlers(Channels channels, Map<MessageType<?>, MessageHandler<?>> table)
            throws IllegalAccessException {
        field(Channels.class, "handlers").set(channels, table);
    }

    /**
     * Makes sure the channel's loop thread is looping. A loop that started properly only ends when the channel is
     * closed, so a thread that has ended within {@value #BIRTH_MILLIS} ms lost the start-up race: it is replaced by a
     * new {@code LoopThread} with the same name, period and body, until one runs.
     */
    private static void keepLoopRunning(Object channel) throws ReflectiveOperationException, InterruptedException {
        Field loopField = field(channel.getClass(), "loopThread");
        for (int attempt = 0; attempt < MAX_RESTARTS; attempt++) {
            LoopThread loop = (LoopThread) loopField.get(channel);
            loop.join(BIRTH_MILLIS);
            if (loop.isAlive()) {
                return;
            }
            LoopThread replacement = new LoopThread(loop.getName(), (long) field(LoopThread.class, "sleep").get(loop),
                    (Runnable) field(LoopThread.class, "loopBody").get(loop));
            loopField.set(channel, replacement);
            replacement.start();
            LOGGER.info("NotebookKernel: " + loop.getName() + " ended at start-up (LoopThread race); restarted");
        }
        throw new IllegalStateException("NotebookKernel: the " + channel.getClass().getSimpleName() + " loop ended at "
                + "start-up " + MAX_RESTARTS + " times in a row");
    }

    private static Field field(Class<?> owner, String name) {
        try {
            Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("NotebookKernel supports rapaio-jupyter-kernel " + RAPAIO_VERSION
                    + ", whose " + owner.getSimpleName() + " has a field '" + name
                    + "'; the kernel on the class path has none", e);
        }
    }
}
