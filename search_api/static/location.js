// "Use my location": the browser's position, rounded to about 1 km, fills lat/lon and
// submits the search. Nothing leaves the page except that search itself.
(function () {
  var button = document.getElementById("use-location");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      var form = button.form;
      form.elements.lat.value = position.coords.latitude.toFixed(2);
      form.elements.lon.value = position.coords.longitude.toFixed(2);
      form.elements.near.value = "";
      form.submit();
    }, function () {
      button.textContent = "Location unavailable";
    });
  });
})();
