// Veilig op Pad, visits: copy or share the conditions text for an appointment letter.
// Without JavaScript the text stays selectable and the share link opens the mail app.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.dataset.copy);
      if (!source || !navigator.clipboard) return;
      navigator.clipboard.writeText(source.value).then(function () {
        copy.textContent = copy.dataset.copied;
      });
      return;
    }
    var share = event.target.closest("[data-share]");
    if (share && navigator.share) {
      var text = document.querySelector(share.dataset.share);
      event.preventDefault();
      navigator.share({ text: text ? text.value : "" }).catch(function () {
        // The user closed the share sheet: nothing to do.
      });
    }
  });
})();
