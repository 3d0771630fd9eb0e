// RECORD: installed first, so that every script error and console error is seen.
window.schedlabErrors = [];
window.addEventListener('error', function (e) { window.schedlabErrors.push(String(e.message)); });
(function () {
  var original = console.error;
  console.error = function () {
    window.schedlabErrors.push(Array.prototype.join.call(arguments, ' '));
    original.apply(console, arguments);
  };
})();
// COUNT: runs last, after the page's own script; writes its findings into the page.
(function () {
  function shown(el) {
    var box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  }
  function count(section, selector) {
    return Array.prototype.filter.call(section.querySelectorAll(selector), shown).length;
  }
  var out = {
    errors: window.schedlabErrors,
    requests: performance.getEntriesByType('resource').map(function (r) { return r.name; }),
    lessons: []
  };
  document.querySelectorAll('section.lesson').forEach(function (s) {
    // Timelines are in closed <details>: present, drawn once opened.
    s.querySelectorAll('details.timeline').forEach(function (d) { d.open = true; });
    out.lessons.push({
      lesson: s.id,
      bars: count(s, 'svg.bar-tick rect.bar'),
      points: count(s, 'svg.speedup circle.point'),
      graphs: count(s, 'figure.graph svg'),
      timelines: count(s, 'details.timeline svg')
    });
  });
  // Class mode: the answers go (charts, timelines, verdicts), the graphs stay; each reveal
  // button brings its own back.
  var box = document.getElementById('class-mode');
  box.checked = true;
  box.dispatchEvent(new Event('change'));
  var all = document.body;
  out.classHidden = count(all, 'svg.chart') + count(all, 'details.timeline') +
                    count(all, 'td.verdict') + count(all, 'p.lesson-text');
  out.classGraphs = count(all, 'figure.graph svg');
  out.classButtons = count(all, 'button.reveal');
  document.querySelectorAll('section.lesson button.reveal').forEach(function (b) { b.click(); });
  out.revealedCharts = count(all, 'svg.chart');
  out.revealedVerdicts = count(all, 'td.verdict');
  box.checked = false;
  box.dispatchEvent(new Event('change'));
  out.afterClassVerdicts = count(all, 'td.verdict');
  var item = document.querySelector('svg.chart .legend-item');
  item.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  out.toggled = document.querySelectorAll('.mark.off').length;
  var pre = document.createElement('pre');
  pre.id = 'schedlab-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
