/*
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain
 * a copy of the License at
 *
 *      http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
 * License for the specific language governing permissions and limitations
 * under the License.
 */

/*
 * The "Upload Package" form of the VNF Snapshot Packages panel.
 *
 * The form is sent without its file: the panel makes the package and
 * answers JSON with the URL to send the file to.  The file then goes there
 * as the body of one PUT (an XMLHttpRequest, so that its upload progress
 * events fill the form's Bootstrap progress bar); Django passes the body
 * on to vnfsnap in chunks.  Afterwards the page goes to the package list,
 * where the toast says how it went.
 */
(function () {
  'use strict';

  var FORM = 'form[data-vnfsnap-upload-form]';

  function csrfToken($form) {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    return $form.find('input[name=csrfmiddlewaretoken]').val();
  }

  function showProgress($form, fraction) {
    var percent = Math.round(100 * fraction);
    $form.find('.vnfsnap-upload-progress .progress-bar')
      .css('width', percent + '%')
      .attr('aria-valuenow', percent)
      .text(percent + '%');
  }

  function sendFile($form, file, answer) {
    var xhr = new window.XMLHttpRequest();
    $form.find('.vnfsnap-upload-progress').removeClass('hidden');
    $form.find(':input').prop('disabled', true);
    xhr.open('PUT', answer.upload_url);
    xhr.setRequestHeader('X-CSRFToken', csrfToken($form));
    xhr.setRequestHeader('Content-Type', 'application/zip');
    xhr.upload.addEventListener('progress', function (evt) {
      if (evt.lengthComputable) {
        showProgress($form, evt.loaded / evt.total);
      }
    });
    function done() {
      var next = answer.next;
      try {
        next = JSON.parse(xhr.responseText).next || next;
      } catch (ignore) {
        // Not our JSON (a proxy's page): go to the list all the same.
      }
      window.location.href = next;
    }
    xhr.addEventListener('load', done);
    xhr.addEventListener('error', function () {
      horizon.toast.add('danger',
        gettext('The package file could not be sent.'));
      done();
    });
    xhr.send(file);
  }

  function submit(evt) {
    var $form = $(this);
    var $file = $form.find('input[type=file]');
    var file = $file.get(0).files[0];
    var data = new window.FormData(this);
    // Horizon's own modal handler would send the file with the form.
    evt.preventDefault();
    evt.stopPropagation();
    data.delete($file.attr('name'));
    $form.find('.btn-primary').prop('disabled', true);
    $.ajax({
      type: 'POST',
      url: $form.attr('action'),
      data: data,
      processData: false,
      contentType: false
    }).done(function (answer, textStatus, jqXHR) {
      if (answer && answer.upload_url) {
        sendFile($form, file, answer);
      } else {
        // The form again, with its errors.
        $form.closest('.modal').modal('hide');
        horizon.modals.success(answer, textStatus, jqXHR);
      }
    }).fail(function () {
      $form.find('.btn-primary').prop('disabled', false);
      horizon.toast.add('danger',
        gettext('There was an error submitting the form. Please try again.'));
    });
  }

  horizon.addInitFunction(function () {
    // On the body: before Horizon's handler of modal forms, on document.
    $(document.body).on('submit', FORM, submit);
  });
}());
