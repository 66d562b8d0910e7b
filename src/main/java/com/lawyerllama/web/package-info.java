/**
 * The lawyer-facing page ({@code /}) and the admin page ({@code /admin}): plain HTML, CSS and
 * ES modules under {@code resources/static}, talking to the JSON/SSE APIs; the admin page's
 * browser login (form, session, CSRF) beside the stateless admin API.
 */
package com.lawyerllama.web;
