// SPDX-License-Identifier: MIT
// A throw-away certificate authority for TLS tests: a CA and leaf certificates it signs
// (P-256, SAN 127.0.0.1 and localhost), written as PEM files into a fresh temporary directory
// that the destructor removes.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace shoal::test {

class TestCerts {
  public:
    TestCerts() {
        char tmpl[] = "/tmp/shoal-certs-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        ca_key_ = EVP_EC_gen("P-256");
        ca_ = make_cert(ca_key_, "shoal test CA", nullptr, nullptr, true, 1);
        write_cert(ca_, ca_file());
    }
    ~TestCerts() {
        X509_free(ca_);
        EVP_PKEY_free(ca_key_);
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    TestCerts(const TestCerts&) = delete;
    TestCerts& operator=(const TestCerts&) = delete;

    std::string ca_file() const { return dir_ + "/ca.pem"; }
    std::string path(const std::string& name) const { return dir_ + "/" + name; }

    // A leaf signed by the CA with this common name into <name>.pem (the leaf, then the CA as
    // its chain) and <name>.key.
    void issue(const std::string& name, const std::string& common_name, long serial = 2) {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* leaf = make_cert(key, common_name, ca_, ca_key_, false, serial);
        std::FILE* f = std::fopen(path(name + ".pem").c_str(), "w");
        PEM_write_X509(f, leaf);
        PEM_write_X509(f, ca_);
        std::fclose(f);
        f = std::fopen(path(name + ".key").c_str(), "w");
        PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
        std::fclose(f);
        X509_free(leaf);
        EVP_PKEY_free(key);
    }

    void write_file(const std::string& name, const std::string& text) const {
        std::FILE* f = std::fopen(path(name).c_str(), "w");
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
    }

  private:
    static X509* make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
                           bool ca, long serial) {
        X509* x = X509_new();
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
        X509_gmtime_adj(X509_getm_notBefore(x), -3600);
        X509_gmtime_adj(X509_getm_notAfter(x), 86400);
        X509_set_pubkey(x, key);
        X509_NAME* name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
        X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
        X509V3_CTX v3;
        X509V3_set_ctx_nodb(&v3);
        X509V3_set_ctx(&v3, issuer ? issuer : x, x, nullptr, nullptr, 0);
        auto add = [&](int nid, const char* value) {
            X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
            X509_add_ext(x, e, -1);
            X509_EXTENSION_free(e);
        };
        if (ca) {
            add(NID_basic_constraints, "critical,CA:TRUE");
            add(NID_key_usage, "critical,keyCertSign,cRLSign");
        } else {
            add(NID_basic_constraints, "CA:FALSE");
            add(NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
            add(NID_ext_key_usage, "serverAuth");
        }
        X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256());
        return x;
    }
    static void write_cert(X509* x, const std::string& file) {
        std::FILE* f = std::fopen(file.c_str(), "w");
        PEM_write_X509(f, x);
        std::fclose(f);
    }

    std::string dir_;
    EVP_PKEY* ca_key_ = nullptr;
    X509* ca_ = nullptr;
};

}  // namespace shoal::test
