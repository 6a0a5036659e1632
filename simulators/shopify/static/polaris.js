/*
 * Polaris web components stand-in served by the Shopify simulator at /cdn/polaris.js.
 *
 * Minimal custom elements with the tag and attribute names of Polaris App Home (s-page,
 * s-section, s-table, s-button, s-text-field, ...): they render their children with plausible
 * admin styling, reflect heading/tone/variant/disabled/loading, s-button fires click (and runs
 * commandFor/command on modals), form fields expose .value/.checked, fire input/change and take
 * part in <form> submission. Not Shopify's code; only the public element contract.
 */
(function () {
  "use strict";
  if (window.customElements.get("s-page")) return;

  const TONES = {
    info: ["#e0f0ff", "#00527c"],
    success: ["#cdfee1", "#0c5132"],
    warning: ["#fff1e3", "#5e4200"],
    caution: ["#fff1e3", "#5e4200"],
    critical: ["#fee9e8", "#8e1f0b"],
    neutral: ["#ebebeb", "#303030"],
    auto: ["#ebebeb", "#303030"],
  };
  const SPACE = { none: "0", "small-500": "2px", "small-400": "4px", "small-300": "6px", "small-200": "8px", "small-100": "10px", small: "8px", base: "12px", "large-100": "16px", large: "16px", "large-200": "20px", "large-300": "24px", "large-400": "28px", "large-500": "32px", loose: "20px", tight: "4px" };
  const ICONS = { search: "⌕", product: "▣", cart: "🛒", check: "✓", "check-circle": "✓", info: "ⓘ", alert: "!", "alert-circle": "!", edit: "✎", delete: "🗑", refresh: "↻", "menu-vertical": "⋮", menu: "☰", plus: "+", x: "×", "chevron-left": "‹", "chevron-right": "›", "arrow-left": "←", external: "↗", save: "💾", clock: "◷", money: "$", settings: "⚙" };

  const BASE_CSS = `:host { box-sizing: border-box; font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; color: #303030; }
    :host([hidden]) { display: none !important; }`;

  function space(value, fallback) {
    if (!value) return fallback;
    return value.split(/\s+/).map((part) => SPACE[part] || part).join(" ");
  }
  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  function tone(element) {
    return TONES[element.getAttribute("tone")] || TONES.neutral;
  }

  /** Base: a shadow root re-rendered when an observed attribute changes. */
  class SElement extends HTMLElement {
    static get observedAttributes() { return this.attrs || []; }
    constructor() {
      super();
      this.attachShadow({ mode: "open" });
    }
    connectedCallback() { this.render(); }
    attributeChangedCallback() { if (this.isConnected) this.render(); }
    attr(name, fallback = "") { const v = this.getAttribute(name); return v == null ? fallback : v; }
    flag(name) { return this.hasAttribute(name) && this.getAttribute(name) !== "false"; }
    css() { return ""; }
    html() { return "<slot></slot>"; }
    render() {
      this.shadowRoot.innerHTML = `<style>${BASE_CSS}${this.css()}</style>${this.html()}`;
      this.afterRender();
    }
    afterRender() {}
  }

  function define(tag, cls) {
    if (!customElements.get(tag)) customElements.define(tag, cls);
  }

  /* ---- layout ---------------------------------------------------------------------------- */

  define("s-page", class extends SElement {
    static attrs = ["heading", "inlinesize"];
    css() {
      const width = { small: "680px", base: "1000px", large: "1200px" }[this.attr("inlineSize", "base")] || "1000px";
      return `:host { display: block; max-width: ${width}; margin: 0 auto; padding: 16px 20px 40px; }
        header { display: flex; align-items: center; gap: 8px; margin-bottom: 16px; }
        h1 { font-size: 20px; font-weight: 650; margin: 0; flex: 1; }
        .body { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; }
        .body.aside { grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); }`;
    }
    html() {
      const heading = this.attr("heading");
      const aside = this.querySelector(':scope > [slot="aside"]');
      return `<header part="header"><slot name="breadcrumb-actions"></slot>${heading ? `<h1>${escapeHtml(heading)}</h1>` : "<span style='flex:1'></span>"}
        <slot name="secondary-actions"></slot><slot name="primary-action"></slot></header>
        <div class="body${aside ? " aside" : ""}"><div><slot></slot></div><slot name="aside"></slot></div>`;
    }
  });

  define("s-section", class extends SElement {
    static attrs = ["heading", "padding"];
    css() {
      return `:host { display: block; background: #fff; border-radius: 12px; margin-bottom: 16px;
          box-shadow: 0 1px 0 rgba(26,26,26,.07), inset 0 -1px 0 rgba(0,0,0,.13), inset 0 0 0 1px rgba(0,0,0,.06);
          padding: ${this.attr("padding") === "none" ? "0" : "16px"}; }
        ${this.parentElement && this.parentElement.closest("s-section") ? ":host { box-shadow: none; padding: 0; margin-bottom: 12px; }" : ""}
        h2 { font-size: 14px; font-weight: 650; margin: 0 0 12px; }`;
    }
    html() {
      const heading = this.attr("heading");
      return `${heading ? `<h2>${escapeHtml(heading)}</h2>` : ""}<slot></slot>`;
    }
  });

  define("s-box", class extends SElement {
    static attrs = ["padding", "paddingblock", "paddinginline", "background", "border", "borderradius", "inlinesize", "blocksize"];
    css() {
      const background = { subdued: "#f7f7f7", strong: "#ebebeb", base: "#fff", transparent: "transparent" }[this.attr("background")] || "transparent";
      const padding = space(this.attr("padding"), "0");
      return `:host { display: block; background: ${background}; padding: ${padding};
        ${this.attr("paddingBlock") ? `padding-block: ${space(this.attr("paddingBlock"))};` : ""}
        ${this.attr("paddingInline") ? `padding-inline: ${space(this.attr("paddingInline"))};` : ""}
        ${this.attr("border") ? "border: 1px solid #e3e3e3;" : ""}
        ${this.attr("borderRadius") ? `border-radius: ${this.attr("borderRadius") === "base" ? "8px" : space(this.attr("borderRadius"))};` : ""}
        ${this.attr("inlineSize") ? `inline-size: ${this.attr("inlineSize")};` : ""} }`;
    }
  });

  define("s-stack", class extends SElement {
    static attrs = ["direction", "gap", "alignitems", "justifycontent", "padding"];
    css() {
      const inline = this.attr("direction") === "inline";
      return `:host { display: flex; flex-direction: ${inline ? "row" : "column"}; flex-wrap: ${inline ? "wrap" : "nowrap"};
        gap: ${space(this.attr("gap"), "0")}; align-items: ${this.attr("alignItems", inline ? "center" : "stretch")};
        justify-content: ${this.attr("justifyContent", "flex-start")}; padding: ${space(this.attr("padding"), "0")}; }`;
    }
  });

  define("s-grid", class extends SElement {
    static attrs = ["gridtemplatecolumns", "gap", "alignitems", "justifycontent", "padding"];
    css() {
      return `:host { display: grid; grid-template-columns: ${this.attr("gridTemplateColumns", "1fr")};
        gap: ${space(this.attr("gap"), "0")}; align-items: ${this.attr("alignItems", "stretch")};
        padding: ${space(this.attr("padding"), "0")}; }`;
    }
  });

  for (const tag of ["s-query-container", "s-grid-item"]) define(tag, class extends SElement { css() { return ":host { display: block; }"; } });

  define("s-button-group", class extends SElement {
    css() { return `:host { display: inline-flex; gap: ${space(this.attr("gap"), "8px")}; flex-wrap: wrap; }`; }
  });

  define("s-divider", class extends SElement {
    css() { return ":host { display: block; border-top: 1px solid #e3e3e3; margin: 12px 0; }"; }
    html() { return ""; }
  });

  /* ---- text ------------------------------------------------------------------------------ */

  define("s-text", class extends SElement {
    static attrs = ["type", "tone", "color"];
    css() {
      const [, fg] = this.hasAttribute("tone") ? tone(this) : [null, "inherit"];
      const subdued = this.attr("color") === "subdued" ? "color: #616161;" : `color: ${fg};`;
      const weight = this.attr("type") === "strong" ? "font-weight: 650;" : "";
      return `:host { display: inline; ${subdued} ${weight} }`;
    }
  });

  define("s-heading", class extends SElement {
    css() { return ":host { display: block; font-size: 14px; font-weight: 650; margin: 0 0 8px; }"; }
    html() { return '<div role="heading" aria-level="2"><slot></slot></div>'; }
  });

  define("s-paragraph", class extends SElement {
    static attrs = ["tone", "color"];
    css() { return `:host { display: block; margin: 0 0 8px; ${this.attr("color") === "subdued" ? "color: #616161;" : ""} }`; }
    html() { return "<p style='margin:0'><slot></slot></p>"; }
  });

  define("s-badge", class extends SElement {
    static attrs = ["tone", "icon", "size"];
    css() {
      const [bg, fg] = tone(this);
      return `:host { display: inline-flex; align-items: center; gap: 4px; padding: 2px 8px; border-radius: 8px;
        font-size: 12px; font-weight: 550; background: ${bg}; color: ${fg}; white-space: nowrap; }`;
    }
    html() { const icon = ICONS[this.attr("icon")]; return `${icon ? `<span aria-hidden="true">${icon}</span>` : ""}<slot></slot>`; }
  });

  define("s-chip", class extends SElement {
    css() { return ":host { display: inline-flex; padding: 2px 8px; border-radius: 8px; background: #ebebeb; font-size: 12px; }"; }
  });

  define("s-icon", class extends SElement {
    static attrs = ["type", "tone"];
    css() { return `:host { display: inline-flex; width: 20px; height: 20px; align-items: center; justify-content: center; color: ${this.hasAttribute("tone") ? tone(this)[1] : "inherit"}; }`; }
    html() { return `<span aria-hidden="true">${ICONS[this.attr("type")] || "•"}</span>`; }
  });

  define("s-avatar", class extends SElement {
    static attrs = ["initials", "src", "alt"];
    css() { return ":host { display: inline-flex; width: 28px; height: 28px; border-radius: 50%; background: #c8e6ff; align-items: center; justify-content: center; overflow: hidden; font-size: 12px; }"; }
    html() { return this.attr("src") ? `<img src="${escapeHtml(this.attr("src"))}" alt="${escapeHtml(this.attr("alt"))}" width="28" height="28">` : escapeHtml(this.attr("initials")); }
  });

  define("s-spinner", class extends SElement {
    static attrs = ["size", "accessibilitylabel"];
    css() {
      const size = this.attr("size") === "large" ? 32 : 20;
      return `:host { display: inline-block; width: ${size}px; height: ${size}px; }
        div { width: 100%; height: 100%; border: 3px solid #e3e3e3; border-top-color: #303030; border-radius: 50%; animation: spin .8s linear infinite; box-sizing: border-box; }
        @keyframes spin { to { transform: rotate(360deg); } }`;
    }
    html() { return `<div role="status" aria-label="${escapeHtml(this.attr("accessibilityLabel", "Loading"))}"></div>`; }
  });

  define("s-image", class extends SElement {
    static attrs = ["src", "alt", "aspectratio", "objectfit", "loading", "inlinesize"];
    css() {
      return `:host { display: block; } img { display: block; width: 100%; ${this.attr("aspectRatio") ? `aspect-ratio: ${this.attr("aspectRatio")};` : ""} object-fit: ${this.attr("objectFit", "contain")}; border-radius: 8px; }`;
    }
    html() { return `<img src="${escapeHtml(this.attr("src"))}" alt="${escapeHtml(this.attr("alt"))}" loading="${escapeHtml(this.attr("loading", "lazy"))}">`; }
  });

  define("s-thumbnail", class extends SElement {
    static attrs = ["src", "alt", "size"];
    css() {
      const px = { "small-200": 24, "small-100": 32, small: 40, base: 48, large: 60, "large-100": 80 }[this.attr("size", "base")] || 48;
      return `:host { display: inline-block; width: ${px}px; height: ${px}px; border: 1px solid #e3e3e3; border-radius: 8px; overflow: hidden; background: #fff; }
        img { width: 100%; height: 100%; object-fit: contain; }`;
    }
    html() { return `<img src="${escapeHtml(this.attr("src"))}" alt="${escapeHtml(this.attr("alt"))}" loading="lazy" width="48" height="48">`; }
  });

  define("s-link", class extends SElement {
    static attrs = ["href", "target", "tone"];
    css() { return `:host { display: inline; } a { color: ${this.attr("tone") === "critical" ? "#8e1f0b" : "#005bd3"}; cursor: pointer; }`; }
    html() {
      const href = this.attr("href");
      return `<a ${href ? `href="${escapeHtml(href)}"` : 'role="link" tabindex="0"'} target="${escapeHtml(this.attr("target", "_self"))}"><slot></slot></a>`;
    }
  });

  define("s-clickable", class extends SElement {
    static attrs = ["href", "padding", "background"];
    css() { return `:host { display: block; cursor: pointer; padding: ${space(this.attr("padding"), "0")}; } a { color: inherit; text-decoration: none; display: block; }`; }
    html() { return this.attr("href") ? `<a href="${escapeHtml(this.attr("href"))}"><slot></slot></a>` : "<slot></slot>"; }
  });

  for (const [tag, list] of [["s-unordered-list", "ul"], ["s-ordered-list", "ol"]]) {
    define(tag, class extends SElement {
      css() { return ":host { display: block; } ::slotted(s-list-item) { display: list-item; margin-left: 20px; }"; }
      html() { return `<${list} style="margin:0;padding:0"><slot></slot></${list}>`; }
    });
  }
  define("s-list-item", class extends SElement { css() { return ":host { display: list-item; }"; } });

  define("s-banner", class extends SElement {
    static attrs = ["heading", "tone", "dismissible", "hidden"];
    css() {
      const [bg, fg] = tone(this);
      return `:host { display: block; background: ${bg}; color: ${fg}; border-radius: 12px; padding: 12px 16px; margin-bottom: 16px; }
        .row { display: flex; gap: 8px; } .content { flex: 1; } h3 { margin: 0 0 4px; font-size: 14px; }
        button { border: 0; background: transparent; cursor: pointer; font-size: 18px; color: inherit; }`;
    }
    html() {
      const heading = this.attr("heading");
      return `<div class="row" role="${this.attr("tone") === "critical" ? "alert" : "status"}"><div class="content">${heading ? `<h3>${escapeHtml(heading)}</h3>` : ""}<slot></slot></div>
        ${this.flag("dismissible") ? '<button type="button" aria-label="Dismiss">×</button>' : ""}</div>`;
    }
    afterRender() {
      const close = this.shadowRoot.querySelector("button");
      if (close) close.addEventListener("click", () => { this.hidden = true; this.dispatchEvent(new Event("dismiss", { bubbles: true })); });
    }
  });

  /* ---- actions --------------------------------------------------------------------------- */

  function runCommand(source) {
    const targetId = source.getAttribute("commandFor") || source.getAttribute("commandfor");
    if (!targetId) return;
    const target = document.getElementById(targetId);
    if (!target) return;
    const command = source.getAttribute("command") || "--toggle";
    const method = { "--show": "showOverlay", "--hide": "hideOverlay", "--toggle": "toggleOverlay" }[command];
    if (method && typeof target[method] === "function") target[method]();
  }

  define("s-button", class extends SElement {
    static attrs = ["variant", "tone", "disabled", "loading", "icon", "href", "target", "type", "accessibilitylabel"];
    constructor() {
      super();
      // Clicks on a disabled or loading button never reach the page.
      this.addEventListener("click", (event) => {
        if (this.flag("disabled") || this.flag("loading")) { event.stopImmediatePropagation(); event.preventDefault(); return; }
        runCommand(this);
        const href = this.attr("href");
        if (href) window.open(href, this.attr("target", "_self"));
        const form = this.closest("form");
        if (form && this.attr("type") === "submit") form.requestSubmit();
        if (form && this.attr("type") === "reset") form.reset();
      }, true);
    }
    get disabled() { return this.flag("disabled"); }
    set disabled(value) { this.toggleAttribute("disabled", Boolean(value)); }
    get loading() { return this.flag("loading"); }
    set loading(value) { this.toggleAttribute("loading", Boolean(value)); }
    css() {
      const variant = this.attr("variant", "secondary");
      const critical = this.attr("tone") === "critical";
      const look = variant === "primary"
        ? `background: ${critical ? "#c70a24" : "#303030"}; color: #fff; box-shadow: none;`
        : variant === "tertiary"
          ? `background: transparent; color: ${critical ? "#8e1f0b" : "#303030"}; box-shadow: none;`
          : `background: #fff; color: ${critical ? "#8e1f0b" : "#303030"}; box-shadow: inset 0 -1px 0 #b5b5b5, 0 0 0 1px #e3e3e3;`;
      return `:host { display: inline-block; }
        :host([disabled]), :host([loading]) { pointer-events: none; }
        button { font: inherit; font-weight: 550; border: 0; border-radius: 8px; padding: 6px 12px; cursor: pointer; display: inline-flex; gap: 6px; align-items: center; ${look} }
        button:disabled { opacity: .5; cursor: default; }
        .spin { width: 12px; height: 12px; border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%; animation: spin .8s linear infinite; }
        @keyframes spin { to { transform: rotate(360deg); } }`;
    }
    html() {
      const icon = ICONS[this.attr("icon")];
      const label = this.attr("accessibilityLabel");
      return `<button type="button" part="button" ${this.flag("disabled") || this.flag("loading") ? "disabled" : ""} ${this.flag("loading") ? 'aria-busy="true"' : ""} ${label ? `aria-label="${escapeHtml(label)}"` : ""}>
        ${this.flag("loading") ? '<span class="spin" aria-hidden="true"></span>' : ""}${icon ? `<span aria-hidden="true">${icon}</span>` : ""}<slot></slot></button>`;
    }
  });

  for (const tag of ["s-menu", "s-popover"]) {
    define(tag, class extends SElement {
      constructor() { super(); this.hidden = true; }
      showOverlay() { this.hidden = false; }
      hideOverlay() { this.hidden = true; }
      toggleOverlay() { this.hidden = !this.hidden; }
      css() { return ":host { display: block; position: absolute; z-index: 20; background: #fff; border-radius: 12px; padding: 6px; box-shadow: 0 8px 24px rgba(0,0,0,.2); }"; }
    });
  }

  define("s-tooltip", class extends SElement {
    constructor() { super(); this.hidden = true; }
  });

  define("s-modal", class extends SElement {
    static attrs = ["heading", "size"];
    constructor() { super(); this.open = false; }
    showOverlay() { this.open = true; this.render(); this.dispatchEvent(new Event("show", { bubbles: true })); }
    hideOverlay() {
      this.open = false; this.render();
      this.dispatchEvent(new Event("hide", { bubbles: true }));
      this.dispatchEvent(new Event("afterhide", { bubbles: true }));
    }
    toggleOverlay() { if (this.open) this.hideOverlay(); else this.showOverlay(); }
    css() {
      return `:host { display: ${this.open ? "block" : "none"}; }
        .backdrop { position: fixed; inset: 0; background: rgba(0,0,0,.5); display: flex; align-items: center; justify-content: center; z-index: 100; }
        .dialog { background: #fff; border-radius: 12px; width: min(620px, 92vw); max-height: 86vh; overflow: auto; box-shadow: 0 8px 40px rgba(0,0,0,.3); }
        header { display: flex; align-items: center; padding: 12px 16px; border-bottom: 1px solid #e3e3e3; } h2 { flex: 1; margin: 0; font-size: 14px; }
        .body { padding: 16px; } footer { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 16px; border-top: 1px solid #e3e3e3; }
        button { border: 0; background: transparent; font-size: 18px; cursor: pointer; }`;
    }
    html() {
      return `<div class="backdrop" part="backdrop"><div class="dialog" role="dialog" aria-modal="true" aria-label="${escapeHtml(this.attr("heading"))}">
        <header><h2>${escapeHtml(this.attr("heading"))}</h2><button type="button" aria-label="Close">×</button></header>
        <div class="body"><slot></slot></div>
        <footer><slot name="secondary-actions"></slot><slot name="primary-action"></slot></footer></div></div>`;
    }
    afterRender() {
      this.shadowRoot.querySelector("header button").addEventListener("click", () => this.hideOverlay());
    }
  });

  /* ---- table ----------------------------------------------------------------------------- */

  define("s-table", class extends SElement {
    static attrs = ["loading", "paginate", "hasnextpage", "haspreviouspage", "variant"];
    css() {
      return `:host { display: block; position: relative; overflow-x: auto; }
        .table { display: table; width: 100%; border-collapse: collapse; ${this.flag("loading") ? "opacity: .5;" : ""} }
        nav { display: flex; justify-content: flex-end; gap: 4px; padding: 8px 0 0; }
        nav button { font: inherit; border: 0; border-radius: 8px; padding: 4px 10px; background: #f1f1f1; cursor: pointer; }
        nav button:disabled { opacity: .4; cursor: default; }`;
    }
    html() {
      const pager = this.flag("paginate")
        ? `<nav aria-label="Pagination"><button type="button" data-page="previouspage" ${this.flag("hasPreviousPage") ? "" : "disabled"}>‹ Previous</button>
           <button type="button" data-page="nextpage" ${this.flag("hasNextPage") ? "" : "disabled"}>Next ›</button></nav>`
        : "";
      return `<div class="table" role="table" aria-busy="${this.flag("loading")}"><slot></slot></div>${pager}<slot name="filters"></slot>`;
    }
    afterRender() {
      for (const button of this.shadowRoot.querySelectorAll("nav button")) {
        button.addEventListener("click", () => this.dispatchEvent(new Event(button.dataset.page, { bubbles: true })));
      }
    }
  });

  const TABLE_PARTS = {
    "s-table-header-row": ["table-row", "row", "background: #f7f7f7; font-weight: 550; color: #616161; font-size: 12px;"],
    "s-table-body": ["table-row-group", "rowgroup", ""],
    "s-table-row": ["table-row", "row", "border-top: 1px solid #ebebeb;"],
    "s-table-header": ["table-cell", "columnheader", "padding: 8px 12px; text-align: left; white-space: nowrap;"],
    "s-table-cell": ["table-cell", "cell", "padding: 8px 12px; vertical-align: middle;"],
  };
  for (const [tag, [display, role, extra]] of Object.entries(TABLE_PARTS)) {
    define(tag, class extends SElement {
      static attrs = ["format"];
      connectedCallback() { this.setAttribute("role", role); super.connectedCallback(); }
      css() {
        const numeric = ["currency", "numeric"].includes(this.attr("format")) ? "text-align: right;" : "";
        return `:host { display: ${display}; ${extra} ${numeric} }`;
      }
    });
  }

  /* ---- form fields ----------------------------------------------------------------------- */

  const FIELD_CSS = `:host { display: block; } label { display: block; margin-bottom: 4px; }
    .control { display: flex; align-items: center; gap: 6px; border: 1px solid #8a8a8a; border-radius: 8px; background: #fdfdfd; padding: 0 10px; }
    .control:focus-within { outline: 2px solid #005bd3; outline-offset: 1px; }
    input, textarea, select { font: inherit; border: 0; background: transparent; padding: 6px 0; width: 100%; outline: none; color: inherit; }
    .details { color: #616161; font-size: 12px; margin-top: 4px; } .error { color: #8e1f0b; font-size: 12px; margin-top: 4px; }
    :host([disabled]) .control { opacity: .5; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }`;

  class SField extends SElement {
    static formAssociated = true;
    static attrs = ["label", "placeholder", "disabled", "required", "error", "details", "prefix", "suffix", "min", "max", "step", "rows", "maxlength", "labelaccessibilityvisibility", "readonly"];
    constructor() {
      super();
      this.internals = typeof this.attachInternals === "function" ? this.attachInternals() : null;
      this._value = null;
    }
    get inputType() { return "text"; }
    get control() { return this.shadowRoot.querySelector("input, textarea, select"); }
    get value() { return this._value == null ? this.attr("value") : this._value; }
    set value(next) {
      this._value = next == null ? "" : String(next);
      if (this.control) this.control.value = this._value;
      this.syncForm();
    }
    get name() { return this.attr("name"); }
    get disabled() { return this.flag("disabled"); }
    set disabled(value) { this.toggleAttribute("disabled", Boolean(value)); }
    syncForm() { if (this.internals) this.internals.setFormValue(this.value); }
    focus() { if (this.control) this.control.focus(); }
    css() { return FIELD_CSS; }
    label() {
      const hidden = this.attr("labelAccessibilityVisibility") === "exclusive" ? ' class="visually-hidden"' : "";
      return `<label for="c"${hidden}>${escapeHtml(this.attr("label"))}${this.flag("required") ? " *" : ""}</label>`;
    }
    controlHtml() {
      const attrs = ["placeholder", "min", "max", "step"].filter((a) => this.hasAttribute(a)).map((a) => `${a}="${escapeHtml(this.attr(a))}"`).join(" ");
      return `<input id="c" type="${this.inputType}" ${attrs} ${this.flag("disabled") ? "disabled" : ""} ${this.flag("readonly") ? "readonly" : ""} ${this.flag("required") ? "required" : ""} ${this.attr("error") ? 'aria-invalid="true"' : ""}>`;
    }
    html() {
      const prefix = this.attr("prefix"), suffix = this.attr("suffix");
      return `${this.label()}<div class="control">${prefix ? `<span>${escapeHtml(prefix)}</span>` : ""}${this.controlHtml()}${suffix ? `<span>${escapeHtml(suffix)}</span>` : ""}</div>
        ${this.attr("details") ? `<div class="details">${escapeHtml(this.attr("details"))}</div>` : ""}
        ${this.attr("error") ? `<div class="error" role="alert">${escapeHtml(this.attr("error"))}</div>` : ""}`;
    }
    afterRender() {
      const control = this.control;
      control.value = this.value;
      this.syncForm();
      // Inner events stay inside; the element fires its own so listeners see this.value.
      control.addEventListener("input", (event) => {
        event.stopPropagation();
        this._value = control.value;
        this.syncForm();
        this.dispatchEvent(new Event("input", { bubbles: true }));
      });
      control.addEventListener("change", (event) => {
        event.stopPropagation();
        this._value = control.value;
        this.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
  }

  for (const [tag, type] of [["s-text-field", "text"], ["s-email-field", "email"], ["s-url-field", "url"], ["s-password-field", "password"], ["s-search-field", "search"], ["s-date-field", "date"], ["s-number-field", "number"], ["s-money-field", "number"], ["s-color-field", "color"]]) {
    define(tag, class extends SField { get inputType() { return type; } });
  }

  define("s-text-area", class extends SField {
    controlHtml() { return `<textarea id="c" rows="${escapeHtml(this.attr("rows", "3"))}" ${this.flag("disabled") ? "disabled" : ""} placeholder="${escapeHtml(this.attr("placeholder"))}"></textarea>`; }
  });

  define("s-select", class extends SField {
    connectedCallback() {
      super.connectedCallback();
      // Options are light-DOM children; re-render when they change.
      this.observer = new MutationObserver(() => this.render());
      this.observer.observe(this, { childList: true, subtree: true, attributes: true, characterData: true });
    }
    disconnectedCallback() { if (this.observer) this.observer.disconnect(); }
    get value() {
      if (this._value != null) return this._value;
      const selected = this.querySelector("s-option[selected]") || this.querySelector("s-option");
      return this.attr("value") || (selected ? selected.getAttribute("value") || selected.textContent.trim() : "");
    }
    set value(next) { this._value = next == null ? "" : String(next); if (this.control) this.control.value = this._value; this.syncForm(); }
    controlHtml() {
      const placeholder = this.attr("placeholder") ? `<option value="" disabled>${escapeHtml(this.attr("placeholder"))}</option>` : "";
      const options = Array.from(this.querySelectorAll("s-option")).map((option) => {
        const value = option.getAttribute("value") == null ? option.textContent.trim() : option.getAttribute("value");
        return `<option value="${escapeHtml(value)}" ${option.hasAttribute("disabled") ? "disabled" : ""}>${escapeHtml(option.textContent.trim())}</option>`;
      }).join("");
      return `<select id="c" ${this.flag("disabled") ? "disabled" : ""}>${placeholder}${options}</select>`;
    }
  });

  define("s-option", class extends HTMLElement {
    connectedCallback() { this.hidden = true; }
    get value() { return this.getAttribute("value") == null ? this.textContent.trim() : this.getAttribute("value"); }
  });

  class SToggle extends SElement {
    static formAssociated = true;
    static attrs = ["label", "checked", "disabled", "details", "error", "accessibilitylabel"];
    constructor() {
      super();
      this.internals = typeof this.attachInternals === "function" ? this.attachInternals() : null;
      this._checked = null;
    }
    get checked() { return this._checked == null ? this.flag("checked") || this.flag("defaultChecked") : this._checked; }
    set checked(next) { this._checked = Boolean(next); if (this.control) this.control.checked = this._checked; this.syncForm(); }
    get value() { return this.attr("value", "on"); }
    set value(next) { this.setAttribute("value", String(next)); }
    get name() { return this.attr("name"); }
    get disabled() { return this.flag("disabled"); }
    set disabled(value) { this.toggleAttribute("disabled", Boolean(value)); }
    get control() { return this.shadowRoot.querySelector("input"); }
    syncForm() { if (this.internals) this.internals.setFormValue(this.checked ? this.value : null); }
    get switchStyle() { return false; }
    css() {
      return `:host { display: block; } label { display: inline-flex; gap: 8px; align-items: center; cursor: pointer; }
        .details { color: #616161; font-size: 12px; margin-left: 26px; } .error { color: #8e1f0b; font-size: 12px; }
        ${this.switchStyle ? "input { appearance: none; width: 32px; height: 18px; border-radius: 9px; background: #b5b5b5; position: relative; margin: 0; cursor: pointer; } input:checked { background: #303030; } input::after { content: ''; position: absolute; top: 2px; left: 2px; width: 14px; height: 14px; border-radius: 50%; background: #fff; transition: left .15s; } input:checked::after { left: 16px; }" : ""}`;
    }
    html() {
      const named = this.attr("accessibilityLabel") ? `aria-label="${escapeHtml(this.attr("accessibilityLabel"))}"` : "";
      return `<label><input type="checkbox" ${named} ${this.switchStyle ? 'role="switch"' : ""} ${this.flag("disabled") ? "disabled" : ""}><span>${escapeHtml(this.attr("label"))}</span></label>
        ${this.attr("details") ? `<div class="details">${escapeHtml(this.attr("details"))}</div>` : ""}
        ${this.attr("error") ? `<div class="error" role="alert">${escapeHtml(this.attr("error"))}</div>` : ""}`;
    }
    afterRender() {
      const control = this.control;
      control.checked = this.checked;
      this.syncForm();
      control.addEventListener("click", (event) => event.stopPropagation());
      control.addEventListener("input", (event) => event.stopPropagation());
      control.addEventListener("change", (event) => {
        event.stopPropagation();
        this._checked = control.checked;
        this.syncForm();
        this.dispatchEvent(new Event("input", { bubbles: true }));
        this.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
  }

  define("s-checkbox", class extends SToggle {});
  define("s-switch", class extends SToggle { get switchStyle() { return true; } });

  define("s-choice-list", class extends SElement {
    static attrs = ["label", "multiple", "disabled"];
    get values() {
      return Array.from(this.querySelectorAll("s-choice")).filter((c) => c.hasAttribute("selected")).map((c) => c.getAttribute("value"));
    }
    get value() { return this.values.join(","); }
    connectedCallback() {
      super.connectedCallback();
      this.addEventListener("click", (event) => {
        const choice = event.target.closest("s-choice");
        if (!choice || this.flag("disabled")) return;
        if (!this.flag("multiple")) for (const other of this.querySelectorAll("s-choice")) other.removeAttribute("selected");
        choice.toggleAttribute("selected", this.flag("multiple") ? !choice.hasAttribute("selected") : true);
        this.dispatchEvent(new Event("input", { bubbles: true }));
        this.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
    css() { return ":host { display: block; } legend { margin-bottom: 4px; } fieldset { border: 0; padding: 0; margin: 0; display: grid; gap: 4px; }"; }
    html() { return `<fieldset><legend>${escapeHtml(this.attr("label"))}</legend><slot></slot></fieldset>`; }
  });

  define("s-choice", class extends SElement {
    static attrs = ["selected", "disabled"];
    css() { return ":host { display: flex; gap: 8px; align-items: center; cursor: pointer; } .box { width: 14px; height: 14px; border: 1px solid #8a8a8a; border-radius: 50%; } :host([selected]) .box { background: #303030; border-color: #303030; }"; }
    html() { return '<span class="box" aria-hidden="true"></span><slot></slot>'; }
  });
})();
