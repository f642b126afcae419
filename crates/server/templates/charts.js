// Chart export: every chart (a `figure.chart` holding an SVG) gets "Download SVG" and
// "Download PNG" buttons, so a chart can go into a slide deck or a report as it is on the page.
// The pages work without this script; it only adds the buttons. Nothing leaves the browser: the
// SVG is the page's own, the PNG is drawn from it on a canvas.
"use strict";

(function () {
  var SVG_NS = "http://www.w3.org/2000/svg";

  // A file name from the chart's caption: "NPS by month — the band is…" → "nps-by-month".
  function fileName(figure, extension) {
    var caption = figure.querySelector("figcaption");
    var text = caption ? caption.textContent.split("—")[0] : "chart";
    var slug = text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    return (slug || "chart") + "." + extension;
  }

  // The chart as a standalone SVG document: its own namespace, size and font, so that it looks
  // the same outside the page.
  function svgText(figure) {
    var svg = figure.querySelector("svg").cloneNode(true);
    svg.setAttribute("xmlns", SVG_NS);
    svg.setAttribute("font-family", "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif");
    var box = svg.viewBox && svg.viewBox.baseVal;
    if (box && box.width) {
      svg.setAttribute("width", String(box.width));
      svg.setAttribute("height", String(box.height));
    }
    svg.removeAttribute("class");
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg);
  }

  // The chart drawn on a white canvas at twice its size (sharp on a slide), as a PNG data URL.
  function pngDataUrl(figure) {
    return new Promise(function (resolve, reject) {
      var text = svgText(figure);
      var svg = figure.querySelector("svg");
      var box = svg.viewBox.baseVal;
      var image = new Image();
      image.onload = function () {
        var scale = 2;
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(box.width * scale);
        canvas.height = Math.round(box.height * scale);
        var context = canvas.getContext("2d");
        context.fillStyle = "#ffffff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        try {
          resolve(canvas.toDataURL("image/png"));
        } catch (error) {
          reject(error);
        }
      };
      image.onerror = function () {
        reject(new Error("the chart could not be drawn"));
      };
      // A data: URL (the Content-Security-Policy allows data: images, not blob: ones).
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
    });
  }

  function download(href, name) {
    var link = document.createElement("a");
    link.href = href;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function button(label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function addButtons(figure) {
    if (!figure.querySelector("svg") || figure.querySelector(".chart-export")) {
      return;
    }
    var caption = figure.querySelector("figcaption");
    var what = caption ? caption.textContent.split("—")[0].trim() : "the chart";
    var bar = document.createElement("p");
    bar.className = "chart-export";
    var svg = button("Download SVG", function () {
      download("data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText(figure)),
        fileName(figure, "svg"));
    });
    svg.setAttribute("aria-label", "Download " + what + " as SVG");
    var png = button("Download PNG", function () {
      pngDataUrl(figure).then(function (url) {
        download(url, fileName(figure, "png"));
      });
    });
    png.setAttribute("aria-label", "Download " + what + " as PNG");
    bar.appendChild(svg);
    bar.appendChild(png);
    figure.appendChild(bar);
  }

  window.throughlineCharts = { svgText: svgText, pngDataUrl: pngDataUrl, fileName: fileName };

  function start() {
    var figures = document.querySelectorAll("figure.chart");
    for (var i = 0; i < figures.length; i++) {
      addButtons(figures[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
