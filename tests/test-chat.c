/*
 * test-chat.c: checks each chat template's text against the literal prompt
 * its model family expects (as its published Jinja template renders it for
 * one user turn), and detection on hand-copied Jinja templates.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chat.h"
#include "testutil.h"

static void
tc_expect(enum chat_tmpl t, const char *sys, const char *user,
    const char *want)
{
	char	*got;

	got = chat_apply(t, sys, user);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_chatml(void **state)
{
	(void)state;
	tc_expect(CHAT_CHATML, "Be brief.", "Hi there",
	    "<|im_start|>system\nBe brief.<|im_end|>\n"
	    "<|im_start|>user\nHi there<|im_end|>\n"
	    "<|im_start|>assistant\n");
	tc_expect(CHAT_CHATML, NULL, "Hi there",
	    "<|im_start|>user\nHi there<|im_end|>\n"
	    "<|im_start|>assistant\n");
}

static void
test_llama2(void **state)
{
	(void)state;
	tc_expect(CHAT_LLAMA2, "Be brief.", "Hi there",
	    "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi there [/INST]");
	tc_expect(CHAT_LLAMA2, NULL, "Hi there", "[INST] Hi there [/INST]");
}

static void
test_llama3(void **state)
{
	(void)state;
	tc_expect(CHAT_LLAMA3, "Be brief.", "Hi there",
	    "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
	    "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
	    "<|start_header_id|>assistant<|end_header_id|>\n\n");
	tc_expect(CHAT_LLAMA3, NULL, "Hi there",
	    "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
	    "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

static void
test_zephyr(void **state)
{
	(void)state;
	tc_expect(CHAT_ZEPHYR, "Be brief.", "Hi there",
	    "<|system|>\nBe brief.</s>\n<|user|>\nHi there</s>\n"
	    "<|assistant|>\n");
	tc_expect(CHAT_ZEPHYR, NULL, "Hi there",
	    "<|user|>\nHi there</s>\n<|assistant|>\n");
}

static void
test_raw(void **state)
{
	(void)state;
	tc_expect(CHAT_RAW, "Be brief.", "Hi there", "Be brief.\n\nHi there");
	tc_expect(CHAT_RAW, NULL, "Hi there", "Hi there");
	tc_expect(CHAT_RAW, NULL, "", "");
}

/* An empty system prompt is no system prompt; a NULL user is empty. */
static void
test_edges(void **state)
{
	(void)state;
	tc_expect(CHAT_CHATML, "", "x",
	    "<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n");
	tc_expect(CHAT_RAW, "", "x", "x");
	tc_expect(CHAT_LLAMA2, NULL, NULL, "[INST]  [/INST]");
	/* Text is copied verbatim: no escaping, percent signs survive. */
	tc_expect(CHAT_RAW, "100% sure", "a\n<|im_end|>%s",
	    "100% sure\n\na\n<|im_end|>%s");
}

static void
test_names(void **state)
{
	const char	*names[] = { "raw", "chatml", "llama2", "llama3",
			    "zephyr" };
	int		 i;

	(void)state;
	assert_int_equal(CHAT_COUNT, 5);
	for (i = 0; i < CHAT_COUNT; i++) {
		assert_string_equal(chat_name((enum chat_tmpl)i), names[i]);
		assert_int_equal(chat_find(names[i]), i);
		assert_non_null(strstr(chat_names(), names[i]));
	}
	assert_int_equal(chat_find("ChatML"), -1);
	assert_int_equal(chat_find("mistral"), -1);
	assert_int_equal(chat_find(""), -1);
	assert_int_equal(chat_find(NULL), -1);
	assert_string_equal(chat_names(), "raw, chatml, llama2, llama3, zephyr");
}

/* Templates as models ship them (tokenizer.chat_template), abridged. */
static const char tc_smollm2[] =
    "{% for message in messages %}{% if loop.first and messages[0]['role'] "
    "!= 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant "
    "named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}";

static const char tc_llama3[] =
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + "
    "'<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}"
    "{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

static const char tc_llama2[] =
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = "
    "messages[1:] %}{% set system_message = messages[0]['content'] %}"
    "{% else %}{% set loop_messages = messages %}{% set system_message = "
    "false %}{% endif %}{% for message in loop_messages %}"
    "{% if loop.index0 == 0 and system_message != false %}{% set content = "
    "'<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + "
    "message['content'] %}{% else %}{% set content = message['content'] %}"
    "{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' "
    "+ content.strip() + ' [/INST]' }}{% elif message['role'] == "
    "'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
    "{% endfor %}";

static const char tc_mistral[] =
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == "
    "'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif "
    "message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
    "{% endif %}{% endfor %}";

static const char tc_zephyr[] =
    "{% for message in messages %}\n{% if message['role'] == 'user' %}\n"
    "{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif "
    "message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] "
    "+ eos_token }}\n{% elif message['role'] == 'assistant' %}\n"
    "{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}"
    "\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}"
    "\n{% endif %}\n{% endfor %}";

static const char tc_gemma[] =
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == "
    "'assistant') %}{% set role = 'model' %}{% else %}{% set role = "
    "message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + "
    "message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}";

static void
test_detect(void **state)
{
	(void)state;
	assert_int_equal(chat_detect(tc_smollm2), CHAT_CHATML);
	assert_int_equal(chat_detect(tc_llama3), CHAT_LLAMA3);
	assert_int_equal(chat_detect(tc_llama2), CHAT_LLAMA2);
	assert_int_equal(chat_detect(tc_mistral), CHAT_LLAMA2);
	assert_int_equal(chat_detect(tc_zephyr), CHAT_ZEPHYR);
	assert_int_equal(chat_detect(tc_gemma), CHAT_RAW);
	assert_int_equal(chat_detect(""), CHAT_RAW);
	assert_int_equal(chat_detect("{{ messages[0]['content'] }}"),
	    CHAT_RAW);
	assert_int_equal(chat_detect(NULL), CHAT_RAW);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chatml),
		cmocka_unit_test(test_llama2),
		cmocka_unit_test(test_llama3),
		cmocka_unit_test(test_zephyr),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_detect),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
