// A plotly figure updated in place: scnekit's figure widget (widgets/figure.py), for anywidget.
//
// plotly.js comes once per page from the kernel's single PlotlyJS widget (the `loader`
// trait), which sends it as a binary buffer when asked: the first figure to render asks and
// evaluates it, every other one awaits the same promise,
// kept on `globalThis` because anywidget evaluates this module afresh for each widget.
// Each new figure comes through that same loader, addressed by this figure's `key`, not as
// a trait update: anywidget drops every trait update of a model that missed its 2 s start-up
// deadline on a loaded machine, and the loader is a plain widget model without one. A view
// starts from the figure in the widget's state and asks the kernel for the current one, in
// case newer ones went by before it listened; it draws only figures newer than the last.
// Each figure is applied with Plotly.react on the same element, so a new figure updates the
// DOM instead of rebuilding it. A figure in a hidden tab (no layout box) is drawn when the
// tab shows, at its real width, only its newest figure. Figures that arrive while one is being drawn are coalesced:
// only the newest is drawn next, so the final state is never delayed by older ones. Nothing
// is animated (no layout.transition): a bar that moves shows at its new phase at once.
//
// Every draw is logged for the benchmarks and tests: window.__scneDraws gets
// {name, batch, sent, received, drawn} (ms since the epoch: `sent` is the kernel's clock when
// it set the figure, `received` when the page handled the message, `drawn` when
// Plotly.react resolved), the plot element carries data-scne-* attributes, and a
// "scne-drawn" event is dispatched on window.

const SHARED = Symbol.for("scnekit.plotly");
const LOG_LENGTH = 2000;
const now = () => performance.timeOrigin + performance.now();

async function loaderModel(model) {
  const ref = model.get("loader");
  if (ref && typeof ref.get === "function") return ref;
  if (typeof ref !== "string" || !ref) throw new Error("no plotly.js loader");
  return await model.widget_manager.get_model(ref.replace(/^IPY_MODEL_/, ""));
}

function plotly(model) {
  const shared = globalThis[SHARED] || (globalThis[SHARED] = { promise: null });
  if (!shared.promise) {
    shared.promise = (async () => {
      const loader = await loaderModel(model);
      const source = await new Promise((resolve, reject) => {  // the kernel sends it as a buffer
        const timer = setTimeout(() => reject(new Error("plotly.js never came from the kernel")), 180000);
        const arrived = (content, buffers) => {
          if (!content || content.plotlyjs === undefined || !buffers || !buffers.length) return;
          clearTimeout(timer);
          loader.off("msg:custom", arrived);
          resolve(text(buffers[0]));
        };
        loader.on("msg:custom", arrived);
        const ask = () => loader.send({ request: "plotly.js" });
        ask();
        const again = setInterval(ask, 20000);  // a busy kernel answers late; ask again meanwhile
        setTimeout(() => clearInterval(again), 180000);
        const stop = () => clearInterval(again);
        loader.on("msg:custom", stop);
      });
      const module = { exports: {} };
      // plotly.js is a UMD bundle: given a CommonJS `module`, it exports itself there and
      // touches no global. Evaluated once per page.
      new Function("module", "exports", source)(module, module.exports);
      shared.evaluated = (shared.evaluated || 0) + 1;  // tests check: once per page
      const Plotly = module.exports;
      if (!Plotly || typeof Plotly.react !== "function") throw new Error("plotly.js did not load");
      return Plotly;
    })();
    shared.promise.catch(() => { shared.promise = null; });  // the next figure tries again
  }
  return shared.promise;
}

function record(entry, plot) {
  const log = globalThis.__scneDraws || (globalThis.__scneDraws = []);
  log.push(entry);
  if (log.length > LOG_LENGTH) log.splice(0, log.length - LOG_LENGTH);
  plot.dataset.scneBatch = String(entry.batch);
  plot.dataset.scneSent = String(entry.sent);
  plot.dataset.scneReceived = String(entry.received);
  plot.dataset.scneDrawn = String(entry.drawn);
  plot.dataset.scneDraws = String(Number(plot.dataset.scneDraws || 0) + 1);
  globalThis.dispatchEvent(new CustomEvent("scne-drawn", { detail: entry }));
}

function text(data) {
  return new TextDecoder().decode(data.buffer ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data);
}

function render({ model, el }) {
  const plot = document.createElement("div");
  plot.className = "scne-plot";
  const problem = document.createElement("div");
  problem.className = "scne-plot-problem";
  el.classList.add("scne-figure");
  el.append(plot, problem);
  const key = model.get("key");
  let waiting = null;  // the newest figure not drawn yet
  let newest = -1;  // the version of the newest figure taken (drawn or waiting)
  let drawing = false;
  let gone = false;
  let Plotly = null;
  let loader = null;

  const take = (figure) => {
    if (figure.version <= newest) return false;  // older than one already taken
    newest = figure.version;
    waiting = { ...figure, received: now() };
    return true;
  };

  // A figure in a hidden tab is drawn when it shows (the resize observer below): drawing it
  // at every move would hold up the page's main thread, and the visible views with it.
  const hidden = () => plot.getClientRects().length === 0;

  const drawAll = async () => {
    if (drawing || hidden()) return;  // the running loop draws the newest figure next
    drawing = true;
    try {
      Plotly = Plotly || await plotly(model);
      while (waiting && !gone && !hidden()) {
        const job = waiting;
        waiting = null;
        const figure = JSON.parse(job.spec || "{}");
        await Plotly.react(plot, figure.data || [], figure.layout || {}, model.get("config") || {});
        if (!plot.dataset.scneFirstDraw) plot.dataset.scneFirstDraw = `${model.get("name")}-${job.batch}-${job.received}`;
        problem.textContent = "";
        record({ name: model.get("name"), batch: job.batch, sent: job.sent, received: job.received,
                 drawn: now() }, plot);
      }
    } catch (error) {
      console.error("scnekit: could not draw the figure", error);
      problem.textContent = `The figure could not be drawn: ${error && error.message ? error.message : error}`;
      if (!Plotly && !gone) {  // plotly.js did not come: try again with the newest figure
        setTimeout(() => { void drawAll(); }, 3000);
      }
    } finally {
      drawing = false;
    }
    if (waiting && !gone) void drawAll();  // arrived as the loop ended
  };

  const arrived = (content, buffers) => {
    if (!content || content.figure !== key || !buffers || !buffers.length) return;
    if (take({ spec: text(buffers[0]), version: content.version, batch: content.batch, sent: content.sent })) void drawAll();
  };

  // the figure in the widget's state first, then whatever the kernel sends, newest first
  take({ spec: model.get("spec"), version: model.get("version"), batch: model.get("batch"), sent: model.get("sent") });
  void drawAll();
  loaderModel(model).then((found) => {
    if (gone) return;
    loader = found;
    loader.on("msg:custom", arrived);
    loader.send({ request: "figure", key });  // in case newer figures went by before this view listened
  }).catch((error) => {
    console.error("scnekit: no figure channel", error);
    problem.textContent = `The figure cannot be updated: ${error && error.message ? error.message : error}`;
  });

  // A figure that waited in a hidden tab is drawn once it shows; one drawn at another width
  // is resized to the real one.
  let width = 0;
  let frame = 0;
  const resized = new ResizeObserver(() => {
    if (waiting && !gone && !hidden()) {  // drawn in the next frame, not inside this callback
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => { void drawAll(); });
      return;
    }
    const w = plot.clientWidth;
    if (!Plotly || !w || w === width || !plot.classList.contains("js-plotly-plot")) return;
    width = w;
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => { if (!gone) Plotly.Plots.resize(plot).catch((error) => console.debug("scnekit: resize", error)); });
  });
  resized.observe(plot);

  return () => {
    gone = true;
    if (loader) loader.off("msg:custom", arrived);
    resized.disconnect();
    if (Plotly) Plotly.purge(plot);
  };
}

export default { render };
