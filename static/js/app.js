// Send Django's CSRF token with every htmx request (the token is in the cookie-less form fields or the meta tag).
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("[name=csrfmiddlewaretoken]");
  if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
});
